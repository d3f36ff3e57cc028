"""Open the export and its engine from the settings, and collect: the pipeline's one entry here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dapanoskop import aws
from dapanoskop.collector import CollectionConfig
from dapanoskop.dataexport.embedded import EmbeddedEngine, query_columns
from dapanoskop.dataexport.location import ExportLocation
from dapanoskop.dataexport.source import ExportCollection, collect_export
from dapanoskop.periods import SummarySpec
from dapanoskop.settings import ENGINE_ATHENA, DataExportSettings, S3Destination
from dapanoskop.store import open_store


def open_location(settings: DataExportSettings, s3_client: Any = None) -> ExportLocation:
    client = s3_client
    if client is None and isinstance(settings.location, S3Destination):
        client = aws.s3_client()
    return ExportLocation(settings.location, open_store(settings.location, client))


def open_engine(settings: DataExportSettings, s3_client: Any = None) -> Any:
    """The engine of QUERY_ENGINE; AWS clients and filesystems are made here, on first use."""
    if settings.engine == ENGINE_ATHENA:
        from dapanoskop.dataexport.athena import AthenaEngine

        if settings.athena is None:  # settings.py requires it with QUERY_ENGINE=athena
            raise ValueError("QUERY_ENGINE=athena without Athena settings")
        return AthenaEngine.from_settings(settings.athena)
    filesystem = None
    if isinstance(settings.location, S3Destination):
        from dapanoskop.dataexport.s3 import s3_filesystem

        filesystem = s3_filesystem(s3_client)
    return EmbeddedEngine(filesystem=filesystem, memory_limit=settings.duckdb_memory_limit)


def collect_from_export(
    settings: DataExportSettings,
    specs: Sequence[SummarySpec],
    config: CollectionConfig,
    s3_client: Any = None,
) -> ExportCollection:
    location = open_location(settings, s3_client)
    engine = open_engine(settings, s3_client)
    return collect_export(engine, location, specs, config, query_columns)
