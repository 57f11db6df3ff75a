"""The data folder: reading its files, checking every row, and the validated tables read once per process.

``read`` reads CSV, XLSX and Parquet cells as text; ``sites`` and ``observations`` check
``sites.csv`` and the observation files; ``dataset`` holds a folder's validated tables;
``redactions`` reads ``redact.csv``, the names pseudonymisation masks.
"""
