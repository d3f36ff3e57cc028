"""The embedded engine: the export's Parquet files as a pyarrow dataset, aggregated by DuckDB.

Why this shape: DuckDB reads S3 only through its `httpfs` extension, which it downloads at run
time from the internet; neither a locked-down Lambda nor our build machines can. pyarrow reads
S3 itself (`dataexport.s3`); a pyarrow scanner streams record batches of only the columns the
query names, one file at a time, into DuckDB's hash aggregate. So only the needed column chunks
of the needed billing periods' files are fetched, and memory holds the aggregation's groups and
a batch or two in flight, not the export (bench/RESULTS.md measures it).

DuckDB is an optional dependency (`pip install dapanoskop[data-export]`): imported when a run
uses this engine, never at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from pyarrow import fs

from dapanoskop.dataexport.columns import READ, SCHEMA
from dapanoskop.dataexport.location import DataFile, ExportError
from dapanoskop.dataexport.sql import Dialect, Query, build_sql, cost_category_keys_sql

logger = logging.getLogger(__name__)

TABLE = "cur"
_BATCH_ROWS = 10_000


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise ExportError(
            "QUERY_ENGINE=duckdb needs DuckDB: install dapanoskop[data-export] "
            "(or use QUERY_ENGINE=athena)"
        ) from error
    return duckdb


@dataclass
class EmbeddedEngine:
    """Runs the SQL in an in-process DuckDB over pyarrow datasets.

    `filesystem` is pyarrow's S3 filesystem for an S3 export (None: local files).
    `threads` and `memory_limit` bound DuckDB (a Lambda has as many vCPUs as its memory buys).
    """

    name = "duckdb"
    per_period = True  # one query per billing period (see source.collect_export)
    filesystem: fs.FileSystem | None = None
    threads: int = 2
    memory_limit: str = "1GB"
    batch_rows: int = 65_536
    stats: dict[str, int] = field(default_factory=dict)

    def rows(
        self, query: Query, files: Sequence[DataFile], columns: Sequence[str]
    ) -> Iterator[tuple]:
        """The aggregation's rows, streamed in batches (columns as in sql.KEYS/VALUES)."""
        sql = build_sql(query, TABLE, Dialect.DUCKDB)
        yield from self._run(sql, files, columns)

    def cost_category_keys(self, period: str, files: Sequence[DataFile]) -> list[str]:
        sql = cost_category_keys_sql(TABLE, Dialect.DUCKDB)
        return [row[0] for row in self._run(sql, files, ("cost_category",))]

    def _run(self, sql: str, files: Sequence[DataFile], columns: Sequence[str]) -> Iterator[tuple]:
        duckdb = _duckdb()
        connection = duckdb.connect(
            config={"threads": self.threads, "memory_limit": self.memory_limit}
        )
        try:
            connection.execute("SET preserve_insertion_order = false")
            connection.execute("SET TimeZone = 'UTC'")
            connection.register(TABLE, self._reader(files, columns))
            cursor = connection.execute(sql)
            while True:
                batch = cursor.fetchmany(_BATCH_ROWS)
                if not batch:
                    break
                yield from batch
        except (duckdb.Error, OSError, pa.ArrowException) as error:
            raise ExportError(f"cannot aggregate the export's data files: {error}") from error
        finally:
            connection.close()

    def _reader(self, files: Sequence[DataFile], columns: Sequence[str]) -> Any:
        """A stream of record batches with only `columns`, a few batches in flight.

        Registering the dataset itself lets DuckDB scan it with pyarrow's default readahead
        (16 batches x 4 files), which kept hundreds of MiB of decoded map columns in memory;
        this scanner reads one file at a time, `batch_rows` rows a batch, one batch ahead.
        """
        import pyarrow.dataset as ds

        scanner = ds.Scanner.from_dataset(
            self._dataset(files, columns),
            columns=sorted(set(columns)),
            batch_size=self.batch_rows,
            batch_readahead=1,
            fragment_readahead=1,
        )
        return scanner.to_reader()

    def _dataset(self, files: Sequence[DataFile], columns: Sequence[str]) -> Any:
        import pyarrow.dataset as ds  # heavy (pyarrow.compute): loaded on first use only

        wanted = sorted(set(columns))
        schema = pa.schema([SCHEMA.field(name) for name in wanted])
        paths = [f.arrow_path for f in files]
        self.stats["files"] = self.stats.get("files", 0) + len(paths)
        if not paths:
            return ds.dataset(
                pa.table({n: pa.array([], type=schema.field(n).type) for n in wanted})
            )
        try:
            return ds.dataset(paths, schema=schema, format="parquet", filesystem=self.filesystem)
        except (OSError, pa.ArrowInvalid) as error:
            raise ExportError(f"cannot open the export's data files: {error}") from error


def query_columns(query: Query) -> tuple[str, ...]:
    """Every export column the query reads."""
    return tuple(sorted({*READ, "bill_billing_period_start_date", *query.metric.columns}))
