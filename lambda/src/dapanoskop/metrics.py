"""CloudWatch metrics as Embedded Metric Format log lines: no API call, no extra permission.

A JSON object on one stdout line with an `_aws` member is turned into metrics by CloudWatch
Logs (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html). It is written to stdout directly, not
through `logging`: the Lambda runtime prefixes log records with level, time and request id,
and a prefixed line is not EMF.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

NAMESPACE = "Dapanoskop"
DIMENSION = "FunctionName"


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    unit: str = "Count"


def emf_line(
    metrics: list[Metric], dimension_value: str, now: datetime, properties: Mapping[str, str]
) -> str:
    """One EMF document: every metric under one dimension set {FunctionName}."""
    document: dict[str, object] = {
        "_aws": {
            "Timestamp": int(now.timestamp() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[DIMENSION]],
                    "Metrics": [{"Name": m.name, "Unit": m.unit} for m in metrics],
                }
            ],
        },
        DIMENSION: dimension_value,
        **properties,
    }
    for metric in metrics:
        document[metric.name] = metric.value
    return json.dumps(document, sort_keys=True)


def emit(
    metrics: list[Metric],
    dimension_value: str,
    now: datetime,
    properties: Mapping[str, str],
    stream: TextIO | None = None,
) -> None:
    out = stream or sys.stdout
    out.write(emf_line(metrics, dimension_value, now, properties) + "\n")
    out.flush()
