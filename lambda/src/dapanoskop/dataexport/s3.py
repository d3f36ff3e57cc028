"""pyarrow's S3 filesystem, connected the way boto3 would connect.

pyarrow's S3FileSystem has its own credential and endpoint logic (the AWS C++ SDK) and does not
read `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3` (checked with pyarrow 26). To read the export
exactly where boto3 would, the settings are taken from a boto3 S3 client: its resolved endpoint
(which honours `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL` and `endpoint_url` in the config file),
region, and the credentials of boto3's provider chain (environment, profile, SSO, container or
instance role, Lambda's role). Only a non-AWS endpoint is passed on as an override; for AWS
itself pyarrow resolves the bucket's region, so a bucket in another region still works.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3
from pyarrow import fs

from dapanoskop import aws

_AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


def is_aws_endpoint(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.endswith(_AWS_HOST_SUFFIXES)


def s3_filesystem(s3_client: Any = None, session: Any = None) -> fs.S3FileSystem:
    """A pyarrow S3FileSystem with the endpoint and region of a boto3 S3 client and the
    credentials of boto3's chain (`session`, default a new boto3 Session)."""
    session = session or boto3.session.Session()
    client = s3_client or aws.s3_client(session)
    endpoint = client.meta.endpoint_url
    options: dict[str, Any] = {"region": client.meta.region_name or "us-east-1"}
    credentials = session.get_credentials()
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        options.update(
            access_key=frozen.access_key,
            secret_key=frozen.secret_key,
            session_token=frozen.token,
        )
    else:
        options["anonymous"] = True
    if endpoint and not is_aws_endpoint(endpoint):
        parts = urlsplit(endpoint)
        options["endpoint_override"] = parts.netloc + parts.path.rstrip("/")
        options["scheme"] = parts.scheme or "https"
    return fs.S3FileSystem(**options)
