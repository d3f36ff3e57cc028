"""boto3 clients, created only when a run needs them (never at import time).

Cost Explorer has one endpoint, in us-east-1. Throttling (`LimitExceededException`) is retried
by botocore's standard retry mode with exponential backoff; the attempt count is bounded so a
run that keeps being throttled fails and says which request failed.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

CE_REGION = "us-east-1"
# total_max_attempts counts the first try too: 8 attempts, 7 retries with backoff.
RETRY_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 8})


def cost_explorer_client(session: Any = None) -> Any:
    return (session or boto3.session.Session()).client(
        "ce", region_name=CE_REGION, config=RETRY_CONFIG
    )


def s3_client(session: Any = None) -> Any:
    return (session or boto3.session.Session()).client("s3", config=RETRY_CONFIG)


def athena_client(session: Any = None) -> Any:
    """Athena in the session's region (the export's table lives there)."""
    return (session or boto3.session.Session()).client("athena", config=RETRY_CONFIG)
