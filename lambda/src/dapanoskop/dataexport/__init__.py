"""AWS Data Exports (CUR 2.0) as a cost source: the same records as Cost Explorer, no API fees.

columns.py   the CUR 2.0 columns read (names and types from AWS's table dictionary)
metrics.py   COST_METRIC -> column arithmetic, per line item type (the one place)
sql.py       the one SQL builder, with a DuckDB and an Athena (Trino) dialect
location.py  where an export lives; billing periods, manifests and data files
s3.py        pyarrow's S3 filesystem configured the way boto3 would connect
embedded.py  the embedded engine: pyarrow dataset -> DuckDB, streamed
athena.py    the distributed engine: the same SQL as an Athena query
source.py    collect(): rows -> dict[Window, WindowData], like the Cost Explorer collector
"""
