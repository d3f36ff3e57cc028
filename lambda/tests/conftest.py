"""Shared fixtures: a moto S3 server with a bucket, fake AWS credentials that never reach AWS.

S3 runs as moto's real HTTP server on loopback rather than `mock_aws`: `mock_aws` answers
every in-process AWS request, including the Cost Explorer requests meant for the local Cost
Explorer, and fails the operations moto has not implemented (GetCostForecast).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import NoCredentialsError
from moto.server import ThreadedMotoServer

from dapanoskop import aws
from dapanoskop.storagelens import StorageLensClients

BUCKET = "cost-data"


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no profile, so no test can talk to a real account."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # S3 Storage Lens is asked by default (STORAGE_LENS_CONFIG_ID empty): a test that does not
    # pass its own clients gets ones that fail like a missing credential, so the run logs one
    # line and goes on, as it would in an account without Storage Lens access.
    monkeypatch.setattr(aws, "storage_lens_clients", _no_storage_lens)


def _no_storage_lens(session: Any = None) -> StorageLensClients:
    def refuse(*_args: Any) -> Any:
        raise NoCredentialsError()

    return StorageLensClients(sts=refuse, s3control=refuse, cloudwatch=refuse)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server for the session, on a free loopback port."""
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint: str) -> Any:
    """An S3 client on a freshly reset moto server, with an empty versioned bucket BUCKET."""
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return client


# What `invoke` gives as the status of an invocation that raised (Lambda counts an error).
FAILED = "raised RunFailedError"


def invoke(*args: Any, **kwargs: Any) -> tuple[int | str, dict[str, Any]]:
    """`handle(...)` as (status code, body); (FAILED, the body it carries) when it raised."""
    from dapanoskop.handler import RunFailedError, handle

    try:
        answer = handle(*args, **kwargs)
    except RunFailedError as error:
        return FAILED, error.body
    return answer["statusCode"], json.loads(answer["body"])
