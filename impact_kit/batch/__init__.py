"""Every report in one command: jobs, where they run (forked here or on Dask), the manifest, the index.

``jobs`` is one report to make; ``run`` plans, runs and resumes a batch; ``cluster`` sends
the jobs to a Dask cluster; ``manifest`` fingerprints each job's inputs; ``index`` writes
``reports/index.html``.
"""
