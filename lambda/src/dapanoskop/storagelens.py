"""Collect: bytes and objects stored in S3 organization-wide, from S3 Storage Lens.

Cost Explorer's GB-Mo is billed, time-averaged volume; S3 Storage Lens counts what is stored.
An organization-wide Storage Lens configuration with the CloudWatch publishing option on
publishes daily metrics to the `AWS/S3/Storage-Lens` namespace of its home Region (Amazon S3
user guide, "S3 Storage Lens metrics and dimensions"):
- every metric has the dimensions `configuration_id` and `metrics_version`; organization-level
  metrics have `organization_id`, `aws_region`, `storage_class` and `record_type` =
  `ORGANIZATION` (account- and bucket-level ones `ACCOUNT` / `BUCKET`);
- the statistic is `Average` over a period of one day (86,400 s);
- metrics appear in CloudWatch hours after the dashboard, about two days after the day.
So the organization's total is the sum of every (region, storage class) series of the
configuration with `record_type` = `ORGANIZATION`; no aggregate storage class is documented,
so none is assumed. A period's reading is the latest day within its last 14 days that has both
`StorageBytes` and `ObjectCount`.

Requests: sts:GetCallerIdentity (the account id the S3 Control API needs; allowed without any
IAM permission), s3:ListStorageLensConfigurations (only when discovering) and
s3:GetStorageLensConfiguration, cloudwatch:ListMetrics, cloudwatch:GetMetricData (one page per
500 series). The feature is optional: no configuration, no permission, no network or no data
leave the fields out with one log line, and the run goes on.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dapanoskop.model import StorageLensReading, Window
from dapanoskop.processing.rounding import whole

logger = logging.getLogger(__name__)

OFF = "off"
NAMESPACE = "AWS/S3/Storage-Lens"
STORAGE_BYTES = "StorageBytes"
OBJECT_COUNT = "ObjectCount"
LOOKBACK_DAYS = 14
_DAY_SECONDS = 86_400
_QUERIES_PER_REQUEST = 500  # GetMetricData's limit of MetricDataQueries


@dataclass(frozen=True)
class StorageLensClients:
    """How to get the clients: each is created only when first needed."""

    sts: Callable[[], Any]
    s3control: Callable[[], Any]
    cloudwatch: Callable[[str | None], Any]  # the configuration's home Region (None: default)


@dataclass(frozen=True)
class _Config:
    config_id: str
    home_region: str | None


class StorageLens:
    """Reads Storage Lens totals for periods; `config_id` "" discovers the configuration."""

    def __init__(self, config_id: str, clients: StorageLensClients) -> None:
        self._config_id = config_id
        self._clients = clients

    def readings(self, windows: Mapping[str, Window]) -> dict[str, StorageLensReading]:
        """Each period's reading (by `YYYY-MM`, from its current window); {} on any failure."""
        if not windows or self._config_id == OFF:
            return {}
        try:
            return self._readings(windows)
        except (ClientError, BotoCoreError, KeyError, TypeError, ValueError) as error:
            # An AWS error, or an answer without the fields we read: optional data is never a
            # reason to fail the run. INFO, not WARNING: most accounts have no Storage Lens.
            logger.info("storage lens unavailable; fields left out error=%s", _describe(error))
            return {}

    def _readings(self, windows: Mapping[str, Window]) -> dict[str, StorageLensReading]:
        account = self._clients.sts().get_caller_identity()["Account"]
        config = self._find_config(account)
        if config is None:
            return {}
        cloudwatch = self._clients.cloudwatch(config.home_region)
        series = _organization_series(cloudwatch, config.config_id)
        if not series:
            logger.info(
                "storage lens has no organization metrics in CloudWatch; fields left out "
                "config_id=%s",
                config.config_id,
            )
            return {}
        start = min(_lookback_start(w) for w in windows.values())
        end = max(w.end for w in windows.values())
        daily = _daily_sums(cloudwatch, series, start, end)
        found: dict[str, StorageLensReading] = {}
        for label, window in sorted(windows.items()):
            reading = _latest(daily, window, config.config_id)
            if reading is not None:
                found[label] = reading
        missing = sorted(set(windows) - set(found))
        if found:
            logger.info(
                "read storage lens config_id=%s periods=%s",
                config.config_id,
                ",".join(sorted(found)),
            )
        if missing:
            logger.info(
                "storage lens has no data for periods; fields left out periods=%s config_id=%s",
                ",".join(missing),
                config.config_id,
            )
        return found

    def _find_config(self, account: str) -> _Config | None:
        s3control = self._clients.s3control()
        if self._config_id:
            answer = s3control.get_storage_lens_configuration(
                ConfigId=self._config_id, AccountId=account
            )["StorageLensConfiguration"]
            if not _exports_organization_metrics(answer):
                logger.info(
                    "storage lens configuration is not organization-wide with CloudWatch "
                    "metrics; fields left out config_id=%s",
                    self._config_id,
                )
                return None
            return _Config(self._config_id, _region(answer.get("StorageLensArn")))
        for entry in _configurations(s3control, account):
            if not entry.get("IsEnabled", False):
                continue
            answer = s3control.get_storage_lens_configuration(
                ConfigId=entry["Id"], AccountId=account
            )["StorageLensConfiguration"]
            if _exports_organization_metrics(answer):
                region = entry.get("HomeRegion") or _region(entry.get("StorageLensArn"))
                return _Config(entry["Id"], region)
        logger.info(
            "no organization-wide storage lens configuration with CloudWatch metrics; "
            "fields left out (set STORAGE_LENS_CONFIG_ID=off to stop looking)"
        )
        return None


def _configurations(s3control: Any, account: str) -> list[dict[str, Any]]:
    """Every configuration of the account, by id (the first that fits wins, so: stable)."""
    entries: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"AccountId": account}
        if token:
            params["NextToken"] = token
        page = s3control.list_storage_lens_configurations(**params)
        entries.extend(page.get("StorageLensConfigurationList", []))
        token = page.get("NextToken")
        if not token:
            return sorted(entries, key=lambda e: str(e.get("Id", "")))


def _exports_organization_metrics(configuration: Mapping[str, Any]) -> bool:
    exported = configuration.get("DataExport", {}).get("CloudWatchMetrics", {})
    return (
        bool(configuration.get("IsEnabled", False))
        and bool(configuration.get("AwsOrg", {}).get("Arn"))
        and bool(exported.get("IsEnabled", False))
    )


def _region(arn: str | None) -> str | None:
    """`arn:aws:s3:us-east-1:123456789012:storage-lens/id` -> `us-east-1`."""
    parts = (arn or "").split(":")
    return parts[3] or None if len(parts) > 3 else None


def _organization_series(cloudwatch: Any, config_id: str) -> list[dict[str, Any]]:
    """Every organization-level StorageBytes / ObjectCount series of the configuration."""
    series: list[dict[str, Any]] = []
    token: str | None = None
    dimensions = [
        {"Name": "configuration_id", "Value": config_id},
        {"Name": "record_type", "Value": "ORGANIZATION"},
    ]
    while True:
        params: dict[str, Any] = {"Namespace": NAMESPACE, "Dimensions": dimensions}
        if token:
            params["NextToken"] = token
        page = cloudwatch.list_metrics(**params)
        series.extend(
            metric
            for metric in page.get("Metrics", [])
            if metric.get("MetricName") in (STORAGE_BYTES, OBJECT_COUNT)
        )
        token = page.get("NextToken")
        if not token:
            # each series once: reading one twice would count its bytes twice (moto lists a
            # metric once per data point)
            unique = {_series_key(metric): metric for metric in series}
            return [unique[key] for key in sorted(unique)]


def _series_key(metric: Mapping[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    dims = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))
    return metric["MetricName"], dims


def _lookback_start(window: Window) -> date:
    return max(window.start, window.end - timedelta(days=LOOKBACK_DAYS))


def _daily_sums(
    cloudwatch: Any, series: list[dict[str, Any]], start: date, end: date
) -> dict[str, dict[date, Decimal]]:
    """metric name -> day -> the sum of every series' daily average that day."""
    sums: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for offset in range(0, len(series), _QUERIES_PER_REQUEST):
        chunk = series[offset : offset + _QUERIES_PER_REQUEST]
        queries = [
            {
                "Id": f"m{n}",
                "MetricStat": {"Metric": metric, "Period": _DAY_SECONDS, "Stat": "Average"},
                "ReturnData": True,
            }
            for n, metric in enumerate(chunk)
        ]
        names = {f"m{n}": metric["MetricName"] for n, metric in enumerate(chunk)}
        for result in _metric_data(cloudwatch, queries, start, end):
            by_day = sums[names[result["Id"]]]
            for stamp, value in zip(result["Timestamps"], result["Values"], strict=True):
                day = stamp.astimezone(UTC).date()
                by_day[day] = by_day.get(day, Decimal(0)) + Decimal(str(value))
    return sums


def _metric_data(
    cloudwatch: Any, queries: list[dict[str, Any]], start: date, end: date
) -> Iterable[dict[str, Any]]:
    token: str | None = None
    while True:
        params: dict[str, Any] = {
            "MetricDataQueries": queries,
            "StartTime": datetime.combine(start, time(), UTC),
            "EndTime": datetime.combine(end, time(), UTC),
            "ScanBy": "TimestampDescending",
        }
        if token:
            params["NextToken"] = token
        page = cloudwatch.get_metric_data(**params)
        yield from page.get("MetricDataResults", [])
        token = page.get("NextToken")
        if not token:
            return


def _latest(
    daily: Mapping[str, Mapping[date, Decimal]], window: Window, config_id: str
) -> StorageLensReading | None:
    start = _lookback_start(window)
    stored, objects = daily.get(STORAGE_BYTES, {}), daily.get(OBJECT_COUNT, {})
    days = [d for d in stored if d in objects and start <= d < window.end]
    if not days:
        return None
    day = max(days)
    return StorageLensReading(
        total_bytes=whole(stored[day]),
        object_count=whole(objects[day]),
        day=day,
        config_id=config_id,
    )


def _describe(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__
