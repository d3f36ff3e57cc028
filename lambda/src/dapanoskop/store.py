"""Where the files go: an S3 bucket (with a key prefix) or a local folder, behind one interface.

Both honour the same conditional-write semantics (If-Match on an ETag, If-None-Match for a new
key), so the index update logic is written and tested once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from dapanoskop import aws
from dapanoskop.costexplorer import error_code
from dapanoskop.settings import Destination, LocalDestination

SSE_S3 = "AES256"
SSE_KMS = "aws:kms"


class PreconditionFailedError(RuntimeError):
    """A conditional write lost a race: the object changed (or appeared) since it was read."""


class StoreError(RuntimeError):
    """Reading or writing an object failed; says which object and why."""


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    etag: str


class ObjectStore(Protocol):
    def get(self, key: str) -> StoredObject | None:
        """The object, or None when it does not exist; StoreError when that is unknown."""

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> None:
        """Replace the object whole; PreconditionFailedError when a condition does not hold."""

    def exists(self, key: str) -> bool:
        """Whether the object exists; StoreError when that cannot be told."""

    def list_keys(self, suffix: str) -> list[str]:
        """Every key (relative to the prefix) that ends with `suffix`."""

    def describe(self, key: str) -> str:
        """Where `key` lives, for messages."""


@dataclass
class S3Store:
    """Objects under `s3://bucket/prefix/`, every one written with server-side encryption.

    With `sse_kms_key_id` every object is encrypted with that KMS key (SSE-KMS), so a bucket
    whose policy demands SSE-KMS accepts the writes; without it, with SSE-S3 (AES256).
    """

    client: Any
    bucket: str
    prefix: str = ""
    sse_kms_key_id: str | None = None

    def _encryption(self) -> dict[str, str]:
        if self.sse_kms_key_id:
            return {"ServerSideEncryption": SSE_KMS, "SSEKMSKeyId": self.sse_kms_key_id}
        return {"ServerSideEncryption": SSE_S3}

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def describe(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def get(self, key: str) -> StoredObject | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error_code(error) in ("NoSuchKey", "404"):
                return None
            raise StoreError(f"cannot read {self.describe(key)}: {error}") from error
        except BotoCoreError as error:
            raise StoreError(f"cannot read {self.describe(key)}: {error}") from error
        return StoredObject(answer["Body"].read(), answer["ETag"])

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error_code(error) in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StoreError(f"cannot tell whether {self.describe(key)} exists: {error}") from error
        except BotoCoreError as error:
            raise StoreError(f"cannot tell whether {self.describe(key)} exists: {error}") from error
        return True

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> None:
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "Body": body,
            "ContentType": content_type,
            **self._encryption(),
        }
        if if_match is not None:
            params["IfMatch"] = if_match
        if if_none_match:
            params["IfNoneMatch"] = "*"
        try:
            self.client.put_object(**params)
        except ClientError as error:
            code = error_code(error)
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (
                409,
                412,
            ):
                raise PreconditionFailedError(self.describe(key)) from error
            if code == "NoSuchKey" and if_match is not None:
                raise PreconditionFailedError(self.describe(key)) from error
            raise StoreError(f"cannot write {self.describe(key)}: {error}") from error
        except BotoCoreError as error:
            raise StoreError(f"cannot write {self.describe(key)}: {error}") from error

    def list_keys(self, suffix: str) -> list[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        keys: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=start
            )
            for page in pages:
                keys.extend(
                    obj["Key"][len(start) :]
                    for obj in page.get("Contents", [])
                    if obj["Key"].endswith(suffix)
                )
        except (ClientError, BotoCoreError) as error:
            raise StoreError(f"cannot list s3://{self.bucket}/{start}: {error}") from error
        return sorted(keys)


@dataclass
class LocalStore:
    """Objects as files under a folder; the same layout as the bucket.

    Writes go to a temporary file that is renamed into place, so a reader never sees half a
    file. The ETag is the content's SHA-256, which is all conditional writes need here.
    """

    root: Path

    def _path(self, key: str) -> Path:
        return self.root / key

    def describe(self, key: str) -> str:
        return str(self._path(key))

    def get(self, key: str) -> StoredObject | None:
        try:
            body = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StoreError(f"cannot read {self.describe(key)}: {error}") from error
        return StoredObject(body, _etag(body))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> None:
        path = self._path(key)
        current = self.get(key)
        if if_none_match and current is not None:
            raise PreconditionFailedError(self.describe(key))
        if if_match is not None and (current is None or current.etag != if_match):
            raise PreconditionFailedError(self.describe(key))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            with os.fdopen(handle, "wb") as file:
                file.write(body)
            Path(temporary).replace(path)
        except OSError as error:
            raise StoreError(f"cannot write {self.describe(key)}: {error}") from error
        except BotoCoreError as error:
            raise StoreError(f"cannot write {self.describe(key)}: {error}") from error

    def list_keys(self, suffix: str) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob(f"*{suffix}")
            if path.is_file()
        )


def _etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def open_store(
    destination: Destination, s3_client: Any = None, sse_kms_key_id: str | None = None
) -> ObjectStore:
    """The store for a destination; the S3 client is created only when one is needed."""
    if isinstance(destination, LocalDestination):
        return LocalStore(destination.path)
    client = s3_client or aws.s3_client()
    return S3Store(client, destination.bucket, destination.prefix, sse_kms_key_id)
