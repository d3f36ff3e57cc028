"""Where an export lives and what it holds: billing periods, manifests, data files.

Layout (AWS Data Exports user guide, "Understanding export delivery"):

    <location>/data/BILLING_PERIOD=YYYY-MM/*.parquet
    <location>/metadata/BILLING_PERIOD=YYYY-MM/<export-name>-Manifest.json

`<location>` is `s3://bucket/prefix/export-name` or a local folder of the same layout. The
manifest "is delivered only after all export data files are delivered to S3" and lists the
export's data files; AWS recommends reading that list to know which files to ingest, which also
matters in "create new" delivery mode, where older refreshes stay next to the newest. So a
period's files are the manifest's list; only a period without a manifest falls back to every
Parquet file of its data folder.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from dapanoskop.settings import Destination, LocalDestination, S3Destination
from dapanoskop.store import ObjectStore, StoreError

logger = logging.getLogger(__name__)

PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet"
MANIFEST_CONTENT_TYPE = "application/json"
_PERIOD = re.compile(r"BILLING_PERIOD=(\d{4}-\d{2})/")
MANIFEST_SUFFIX = "Manifest.json"


class ExportError(StoreError):
    """The export cannot be read (missing, unreadable, or a manifest we cannot parse).

    A StoreError: like the destination's, it is a read that failed and says which object, and
    the CLI and the Lambda already report those as one line.
    """


def data_key(period: str, filename: str) -> str:
    return f"data/BILLING_PERIOD={period}/{filename}"


def manifest_key(period: str, export_name: str) -> str:
    return f"metadata/BILLING_PERIOD={period}/{export_name}-{MANIFEST_SUFFIX}"


@dataclass(frozen=True)
class DataFile:
    """One Parquet file: a local path, or (bucket, key) in S3."""

    path: str
    bucket: str | None = None

    @property
    def arrow_path(self) -> str:
        """The path pyarrow's filesystems take: `bucket/key` for S3, the path for local files."""
        return f"{self.bucket}/{self.path}" if self.bucket else self.path


@dataclass
class ExportLocation:
    """An export root and the store that reads it (the project's one store, read-only here)."""

    destination: Destination
    store: ObjectStore
    _keys: list[str] | None = field(default=None, repr=False)

    def keys(self) -> list[str]:
        """Every object key below the root (listed once: one LIST request per 1,000 keys)."""
        if self._keys is None:
            try:
                self._keys = self.store.list_keys("")
            except StoreError as error:
                raise ExportError(f"cannot list the export {self.describe()}: {error}") from error
        return self._keys

    @property
    def export_name(self) -> str:
        if isinstance(self.destination, LocalDestination):
            return self.destination.path.name
        return PurePosixPath(self.destination.prefix).name

    def describe(self) -> str:
        return str(self.destination)

    def periods(self) -> list[str]:
        """Every billing period the export holds (`YYYY-MM`), oldest first."""
        found = set()
        for key in self.keys():
            if (key.startswith("metadata/") and key.endswith(MANIFEST_SUFFIX)) or (
                key.startswith("data/") and key.endswith(".parquet")
            ):
                match = _PERIOD.search(key)
                if match:
                    found.add(match.group(1))
        return sorted(found)

    def data_files(self, period: str) -> list[DataFile]:
        """The period's data files: the manifest's list, else the Parquet files in its folder."""
        manifest = self._manifest(period)
        if manifest is not None:
            return [self._resolve(ref) for ref in manifest.get("dataFiles", [])]
        logger.warning("no manifest; reading every file of the period period=%s", period)
        prefix = f"data/BILLING_PERIOD={period}/"
        return [
            self._resolve(k) for k in self.keys() if k.startswith(prefix) and k.endswith(".parquet")
        ]

    def _manifest(self, period: str) -> dict | None:
        keys = [
            manifest_key(period, self.export_name),
            *(
                k
                for k in self.keys()
                if k.startswith(f"metadata/BILLING_PERIOD={period}/")
                and k.endswith(MANIFEST_SUFFIX)
            ),
        ]
        for key in dict.fromkeys(keys):
            try:
                stored = self.store.get(key)
            except StoreError as error:
                raise ExportError(str(error)) from error
            if stored is None:
                continue
            where = self.store.describe(key)
            try:
                manifest = json.loads(stored.body)
            except ValueError as error:
                raise ExportError(f"cannot read the manifest {where}: {error}") from error
            files = manifest.get("dataFiles") if isinstance(manifest, dict) else None
            if files is None:
                # A manifest without the file list we know: the period's folder decides.
                logger.warning("manifest without dataFiles; listing the period period=%s", period)
                return None
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                raise ExportError(f"cannot read the manifest {where}: dataFiles is not a list")
            return manifest
        return None

    def _resolve(self, ref: str) -> DataFile:
        """A manifest entry (full s3:// URI or a key relative to the root) -> a DataFile."""
        if ref.startswith("s3://"):
            bucket, _, key = ref.removeprefix("s3://").partition("/")
            if isinstance(self.destination, LocalDestination):
                # A local copy of an S3 export: its keys are relative to the export root.
                marker = ref.find("/data/BILLING_PERIOD=")
                return DataFile(str(self.destination.path / ref[marker + 1 :]))
            return DataFile(key, bucket)
        if isinstance(self.destination, S3Destination):
            prefix = self.destination.prefix
            return DataFile(f"{prefix}/{ref}" if prefix else ref, self.destination.bucket)
        return DataFile(str(self.destination.path / ref))
