from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from dapanoskop.store import LocalStore, PreconditionFailedError, S3Store, StoreError
from tests.conftest import BUCKET


def stores(s3: Any, tmp_path: Path) -> list[Any]:
    return [S3Store(s3, BUCKET, "reports/aws"), LocalStore(tmp_path)]


def test_put_get_and_conditional_writes_behave_alike(s3: Any, tmp_path: Path) -> None:
    for store in stores(s3, tmp_path):
        assert store.get("index.json") is None
        assert not store.exists("index.json")
        store.put("index.json", b"one", "application/json", if_none_match=True)
        first = store.get("index.json")
        assert first is not None
        assert first.body == b"one"
        assert store.exists("index.json")
        with pytest.raises(PreconditionFailedError):
            store.put("index.json", b"two", "application/json", if_none_match=True)
        store.put("index.json", b"two", "application/json", if_match=first.etag)
        with pytest.raises(PreconditionFailedError):
            store.put("index.json", b"three", "application/json", if_match=first.etag)
        second = store.get("index.json")
        assert second is not None
        assert second.body == b"two"


def test_s3_objects_are_encrypted_typed_and_under_the_prefix(s3: Any) -> None:
    store = S3Store(s3, BUCKET, "reports/aws")
    store.put("2026-10/summary.json", b"{}", "application/json")
    head = s3.head_object(Bucket=BUCKET, Key="reports/aws/2026-10/summary.json")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/json"
    assert store.list_keys("/summary.json") == ["2026-10/summary.json"]


def test_list_keys_pages_through_many_objects(s3: Any) -> None:
    store = S3Store(s3, BUCKET)
    for n in range(1, 13):
        for name in ("summary.json", "cost-by-workload.parquet"):
            store.put(f"2026-{n:02d}/{name}", b"x", "application/json")
    assert len(store.list_keys("/summary.json")) == 12


def test_s3_errors_other_than_not_found_are_store_errors(s3: Any) -> None:
    store = S3Store(s3, BUCKET)
    with Stubber(s3) as stub:
        stub.add_client_error("head_object", "AccessDenied", http_status_code=403)
        with pytest.raises(StoreError, match="cannot tell whether s3://cost-data/x exists"):
            store.exists("x")
    with Stubber(s3) as stub:
        stub.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409)
        with pytest.raises(PreconditionFailedError):
            store.put("x", b"", "application/json", if_match="abc")


def test_local_store_writes_whole_files_only(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "out")
    store.put("2026-10/summary.json", b"{}", "application/json")
    assert (tmp_path / "out/2026-10/summary.json").read_bytes() == b"{}"
    assert [p.name for p in (tmp_path / "out/2026-10").iterdir()] == ["summary.json"]
