"""Imported by every Python started with this folder on PYTHONPATH: papermill's suite's own papermill commands.

With IMPACT_KIT_PAPERMILL_ENGINE set (tests/test_papermill_suite.py sets it), their default
engine is the kit's, as in the pytest process (impact_kit_papermill.py).
"""

import os
import sys

# Only papermill commands (`papermill ...`, `python -m papermill ...`), not the kernels papermill's engine starts.
command = [os.path.basename(arg) for arg in sys.orig_argv[:3]]
if os.environ.get("IMPACT_KIT_PAPERMILL_ENGINE", "nbclient") != "nbclient" and "papermill" in command:
    import impact_kit_papermill

    impact_kit_papermill.use_kit_engine()
