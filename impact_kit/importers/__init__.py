"""Answers from elsewhere into a data folder: the imported place, its site id, each source's reader.

``place`` is a place read from a source; ``site_ids`` gives it a site id that is one place
only; ``commune_mesure`` reads the platform's JSON and writes ``observations-commune-mesure.csv``.
"""
