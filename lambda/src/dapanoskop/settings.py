"""One settings object, validated once, before any AWS call.

The Lambda reads it from its environment, the CLI from options with the same environment
fallbacks. Every error names the variable, the bad value and what is accepted, so a
misconfigured deployment tells its operator exactly what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from dapanoskop.periods import DEFAULT_SETTLE_DAYS

# Cost Explorer cost metrics (GetCostAndUsage names) with the GetCostForecast enum of each.
COST_METRICS: dict[str, str] = {
    "UnblendedCost": "UNBLENDED_COST",
    "AmortizedCost": "AMORTIZED_COST",
    "BlendedCost": "BLENDED_COST",
    "NetUnblendedCost": "NET_UNBLENDED_COST",
    "NetAmortizedCost": "NET_AMORTIZED_COST",
}

DEFAULT_TAG_KEY = "App"
DEFAULT_METRIC = "UnblendedCost"
# Cost Explorer keeps 13 months plus the current one; multi-year data (opt-in) keeps 38.
DEFAULT_HISTORY_MONTHS = 13
MAX_HISTORY_MONTHS = 38
# Cost Explorer requests in flight at once. Small: the point is to wait for several ~1 s answers
# at once, not to race Cost Explorer's request rate (throttling is retried with backoff);
# at most botocore's default connection pool of 10.
DEFAULT_CE_CONCURRENCY = 3
MAX_CE_CONCURRENCY = 10
# Days left out at the end of the month to date while Cost Explorer still loads them.
MAX_SETTLE_DAYS = 3

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_TAG_KEY = re.compile(r"^[\w .:/=+\-@]{1,128}$")
_COST_CATEGORY = re.compile(r"^(?! )[\w -]{1,50}(?<! )$")
# S3 Control's pattern for a Storage Lens configuration id (GetStorageLensConfiguration).
_STORAGE_LENS_ID = re.compile(r"^[a-zA-Z0-9\-_.]{1,64}$")
STORAGE_LENS_OFF = "off"
_TRUE, _FALSE = "true", "false"
_ASCII_NUMBER = re.compile(r"^[0-9]{1,9}$", re.ASCII)
# What S3 accepts as SSEKMSKeyId: a key id, a key ARN, an alias name or an alias ARN.
_KMS_KEY = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}"
    r"|alias/[A-Za-z0-9/_-]{1,250}"
    r"|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(?:key/[A-Za-z0-9-]{1,64}|alias/[A-Za-z0-9/_-]{1,250}))$"
)
_SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$")
_SECRET_ID = re.compile(
    r"^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$"
)
_PARAMETER_NAME = re.compile(r"^(?:/?[A-Za-z0-9_.-]+)(?:/[A-Za-z0-9_.-]+)*$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SettingsError(ValueError):
    """A setting has a value the pipeline cannot work with."""

    def __init__(self, variable: str, value: object, accepted: str) -> None:
        self.variable = variable
        self.value = value
        self.accepted = accepted
        super().__init__(f"{variable}={value!r} is not valid: accepted is {accepted}")


@dataclass(frozen=True)
class S3Destination:
    bucket: str
    prefix: str = ""

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class LocalDestination:
    path: Path

    def __str__(self) -> str:
        return str(self.path)


Destination = S3Destination | LocalDestination


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know that is not in its event."""

    destination: Destination
    cost_category_name: str | None = None
    include_efs: bool = False
    include_ebs: bool = False
    workload_tag_key: str = DEFAULT_TAG_KEY
    cost_metric: str = DEFAULT_METRIC
    history_months: int = DEFAULT_HISTORY_MONTHS
    ce_concurrency: int = DEFAULT_CE_CONCURRENCY
    mtd_settle_days: int = DEFAULT_SETTLE_DAYS
    sse_kms_key_id: str | None = None
    digest: DigestSettings = field(default_factory=lambda: DigestSettings())
    # "" discovers an organization-wide configuration; "off" never asks S3 Storage Lens
    storage_lens_config_id: str = ""

    @property
    def storage_lens_enabled(self) -> bool:
        return self.storage_lens_config_id != STORAGE_LENS_OFF

    # Where cost data comes from: Cost Explorer (None) or a CUR 2.0 data export.
    data_export: DataExportSettings | None = None
    # summary.json `accounts` (one or two more Cost Explorer requests a run; free from an export)
    include_accounts: bool = False

    @property
    def data_source(self) -> str:
        return COST_EXPLORER if self.data_export is None else DATA_EXPORT

    @property
    def forecast_metric(self) -> str:
        return COST_METRICS[self.cost_metric]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """The Lambda's settings; DATA_BUCKET is required."""
        bucket = env.get("DATA_BUCKET", "").strip()
        if not bucket:
            raise SettingsError("DATA_BUCKET", env.get("DATA_BUCKET"), "an S3 bucket name")
        return cls.build(
            destination=s3_destination(bucket, env.get("DATA_PREFIX", ""), "DATA_BUCKET"),
            env=env,
        )

    @classmethod
    def build(
        cls,
        destination: Destination,
        env: Mapping[str, str],
        overrides: Mapping[str, str | None] | None = None,
    ) -> Settings:
        """Validate every setting; `overrides` (CLI options) win over `env`.

        Both are strings keyed by environment variable name, so the CLI and the Lambda
        share one validation and one set of messages.
        """
        values = {**env, **{k: v for k, v in (overrides or {}).items() if v is not None}}
        return cls(
            destination=destination,
            cost_category_name=_cost_category(values.get("COST_CATEGORY_NAME", "")),
            include_efs=parse_bool("INCLUDE_EFS", values.get("INCLUDE_EFS", "")),
            include_ebs=parse_bool("INCLUDE_EBS", values.get("INCLUDE_EBS", "")),
            workload_tag_key=_tag_key(values.get("WORKLOAD_TAG_KEY", "")),
            cost_metric=_metric(values.get("COST_METRIC", "")),
            history_months=_history_months(values.get("CE_HISTORY_MONTHS", "")),
            ce_concurrency=_ce_concurrency(values.get("CE_CONCURRENCY", "")),
            data_export=data_export_settings(values),
            include_accounts=parse_bool("INCLUDE_ACCOUNTS", values.get("INCLUDE_ACCOUNTS", "")),
            storage_lens_config_id=_storage_lens(values.get("STORAGE_LENS_CONFIG_ID", "")),
            mtd_settle_days=_settle_days(values.get("MTD_SETTLE_DAYS", "")),
            sse_kms_key_id=_kms_key(values.get("SSE_KMS_KEY_ID", "")),
            digest=digest_settings(values),
        )


def parse_bool(variable: str, raw: str) -> bool:
    """`true` / `false` in any case; unset or empty means false."""
    value = raw.strip().lower()
    if value in ("", _FALSE):
        return False
    if value == _TRUE:
        return True
    raise SettingsError(variable, raw, "true or false (any case)")


def s3_destination(bucket: str, prefix: str, variable: str = "DATA_BUCKET") -> S3Destination:
    """A validated bucket and a key prefix without leading or trailing slashes."""
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise SettingsError(
            variable, bucket, "an S3 bucket name: 3-63 lowercase letters, digits, dots, hyphens"
        )
    clean_prefix = prefix.strip().strip("/")
    if "//" in clean_prefix or any(part in (".", "..") for part in clean_prefix.split("/")):
        raise SettingsError(
            "DATA_PREFIX", prefix, "a key prefix like reports/aws without empty or dot segments"
        )
    return S3Destination(bucket, clean_prefix)


def parse_location(location: str | Path, variable: str = "DATA_BUCKET") -> Destination:
    """`s3://bucket[/prefix]` -> a validated S3Destination; anything else is a local folder."""
    text = str(location)
    if text.startswith("s3://"):
        bucket, _, prefix = text.removeprefix("s3://").partition("/")
        return s3_destination(bucket, prefix, variable)
    return LocalDestination(Path(text))


def _cost_category(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not _COST_CATEGORY.match(value):
        raise SettingsError(
            "COST_CATEGORY_NAME",
            raw,
            "a Cost Category name of 1-50 letters, digits, spaces, - or _ (or unset)",
        )
    return value


def _tag_key(raw: str) -> str:
    if raw == "":
        return DEFAULT_TAG_KEY
    if not _TAG_KEY.match(raw) or raw != raw.strip():
        raise SettingsError(
            "WORKLOAD_TAG_KEY",
            raw,
            "a tag key of 1-128 letters, digits, spaces or _ . : / = + - @ (default App)",
        )
    return raw


def _metric(raw: str) -> str:
    value = raw.strip()
    if not value:
        return DEFAULT_METRIC
    if value not in COST_METRICS:
        raise SettingsError("COST_METRIC", raw, "one of " + ", ".join(COST_METRICS))
    return value


def _storage_lens(raw: str) -> str:
    value = raw.strip()
    if value.lower() == STORAGE_LENS_OFF:
        return STORAGE_LENS_OFF
    if value and not _STORAGE_LENS_ID.match(value):
        raise SettingsError(
            "STORAGE_LENS_CONFIG_ID",
            raw,
            "a Storage Lens configuration id of 1-64 letters, digits, - _ or ., "
            "empty (find an organization-wide one) or off",
        )
    return value


def _whole_number(
    variable: str, raw: str, default: int, lowest: int, highest: int, accepted: str
) -> int:
    """A bounded whole number; unset or empty gives `default`.

    ASCII digits only: str.isdigit() also accepts "²" and "١٣", which int() then refuses or
    reads as a number nobody meant.
    """
    value = raw.strip()
    if not value:
        return default
    if not _ASCII_NUMBER.match(value) or not lowest <= int(value) <= highest:
        raise SettingsError(variable, raw, accepted)
    return int(value)


def _history_months(raw: str) -> int:
    return _whole_number(
        "CE_HISTORY_MONTHS",
        raw,
        DEFAULT_HISTORY_MONTHS,
        1,
        MAX_HISTORY_MONTHS,
        f"a whole number of months from 1 to {MAX_HISTORY_MONTHS} (13 by default, "
        "38 with Cost Explorer multi-year data)",
    )


def _ce_concurrency(raw: str) -> int:
    return _whole_number(
        "CE_CONCURRENCY",
        raw,
        DEFAULT_CE_CONCURRENCY,
        1,
        MAX_CE_CONCURRENCY,
        f"a whole number of Cost Explorer requests in flight at once, from 1 to "
        f"{MAX_CE_CONCURRENCY} ({DEFAULT_CE_CONCURRENCY} by default; 1 asks one at a time)",
    )


# --- the data source (issue 13) -------------------------------------------------------------

COST_EXPLORER, DATA_EXPORT = "cost-explorer", "data-export"
DATA_SOURCES = (COST_EXPLORER, DATA_EXPORT)
ENGINE_DUCKDB, ENGINE_ATHENA = "duckdb", "athena"
QUERY_ENGINES = (ENGINE_DUCKDB, ENGINE_ATHENA)
_ATHENA_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")
_DUCKDB_MEMORY = re.compile(r"^\d{1,6}(MB|GB)$")


@dataclass(frozen=True)
class AthenaSettings:
    """Where the export is queryable in Athena (the Data Exports Glue table or our own)."""

    database: str
    table: str
    workgroup: str = "primary"
    output_location: str | None = None  # s3://...; None: the workgroup's own setting
    partition_column: str = "billing_period"


@dataclass(frozen=True)
class DataExportSettings:
    """DATA_SOURCE=data-export: a CUR 2.0 export and the engine that aggregates it."""

    location: Destination
    engine: str = ENGINE_DUCKDB
    athena: AthenaSettings | None = None
    duckdb_memory_limit: str = "1GB"


def data_export_settings(values: Mapping[str, str]) -> DataExportSettings | None:
    """DATA_SOURCE and, for a data export, its location and engine; None for Cost Explorer."""
    source = values.get("DATA_SOURCE", "").strip().lower() or COST_EXPLORER
    if source not in DATA_SOURCES:
        raise SettingsError("DATA_SOURCE", values.get("DATA_SOURCE"), " or ".join(DATA_SOURCES))
    if source == COST_EXPLORER:
        return None
    raw = values.get("DATA_EXPORT_LOCATION", "").strip()
    accepted_location = (
        "s3://bucket/prefix/export-name or a local folder holding data/BILLING_PERIOD=YYYY-MM/"
    )
    if not raw:
        raise SettingsError(
            "DATA_EXPORT_LOCATION", values.get("DATA_EXPORT_LOCATION"), accepted_location
        )
    location = parse_location(raw, "DATA_EXPORT_LOCATION")
    engine = values.get("QUERY_ENGINE", "").strip().lower() or ENGINE_DUCKDB
    if engine not in QUERY_ENGINES:
        raise SettingsError("QUERY_ENGINE", values.get("QUERY_ENGINE"), " or ".join(QUERY_ENGINES))
    memory = values.get("DUCKDB_MEMORY_LIMIT", "").strip() or "1GB"
    if not _DUCKDB_MEMORY.match(memory):
        raise SettingsError("DUCKDB_MEMORY_LIMIT", memory, "a size like 512MB or 2GB")
    athena = _athena_settings(values) if engine == ENGINE_ATHENA else None
    return DataExportSettings(location, engine, athena, memory)


def _athena_settings(values: Mapping[str, str]) -> AthenaSettings:
    names = {}
    for variable, default in (
        ("ATHENA_DATABASE", None),
        ("ATHENA_TABLE", None),
        ("ATHENA_WORKGROUP", "primary"),
        ("ATHENA_PARTITION_COLUMN", "billing_period"),
    ):
        raw = values.get(variable, "").strip() or default
        if raw is None or not _ATHENA_NAME.match(raw):
            raise SettingsError(
                variable,
                values.get(variable),
                "an Athena/Glue name of 1-128 letters, digits, _ . @ or - (needed with "
                "QUERY_ENGINE=athena)",
            )
        names[variable] = raw
    output = values.get("ATHENA_OUTPUT_LOCATION", "").strip() or None
    if output is not None and not output.startswith("s3://"):
        raise SettingsError(
            "ATHENA_OUTPUT_LOCATION", output, "s3://bucket/prefix/ (or unset: the workgroup's)"
        )
    return AthenaSettings(
        database=names["ATHENA_DATABASE"],
        table=names["ATHENA_TABLE"],
        workgroup=names["ATHENA_WORKGROUP"],
        output_location=output,
        partition_column=names["ATHENA_PARTITION_COLUMN"],
    )


def _settle_days(raw: str) -> int:
    return _whole_number(
        "MTD_SETTLE_DAYS",
        raw,
        DEFAULT_SETTLE_DAYS,
        0,
        MAX_SETTLE_DAYS,
        f"a whole number of days from 0 to {MAX_SETTLE_DAYS} (default "
        f"{DEFAULT_SETTLE_DAYS}: the month to date ends before yesterday, which Cost "
        "Explorer is still loading)",
    )


def _kms_key(raw: str) -> str | None:
    """SSE_KMS_KEY_ID: empty means SSE-S3 (AES256); otherwise the KMS key every object gets."""
    value = raw.strip()
    if not value:
        return None
    if not _KMS_KEY.match(value):
        raise SettingsError(
            "SSE_KMS_KEY_ID",
            raw,
            "a KMS key id, key ARN, alias/NAME or alias ARN (empty: SSE-S3 encryption)",
        )
    return value


# --- The cost digest ---------------------------------------------------------------------------


class Cadence(StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class DigestSettings:
    """When to send the cost digest and where to.

    `weekday` is Python's (Monday 0) and only set for the weekly cadence. The Slack webhook URL
    itself is never a setting: it is a secret, read at send time from Secrets Manager or SSM
    Parameter Store, so it never sits in the function's plain environment.
    """

    cadence: Cadence = Cadence.OFF
    weekday: int | None = None
    sns_topic_arn: str | None = None
    slack_webhook_secret: str | None = None
    slack_webhook_parameter: str | None = None
    report_url: str | None = None

    @property
    def enabled(self) -> bool:
        return self.cadence is not Cadence.OFF

    def describe_cadence(self) -> str:
        if self.cadence is Cadence.WEEKLY and self.weekday is not None:
            return f"weekly:{_WEEKDAYS[self.weekday]}"
        return self.cadence.value


def digest_settings(values: Mapping[str, str]) -> DigestSettings:
    """DIGEST_CADENCE, DIGEST_SNS_TOPIC_ARN, DIGEST_SLACK_WEBHOOK_SECRET or
    DIGEST_SLACK_WEBHOOK_PARAMETER, REPORT_URL."""
    cadence, weekday = _cadence(values.get("DIGEST_CADENCE", ""))
    topic = _optional(values, "DIGEST_SNS_TOPIC_ARN", _SNS_TOPIC_ARN, "an SNS topic ARN")
    secret = _optional(
        values,
        "DIGEST_SLACK_WEBHOOK_SECRET",
        _SECRET_ID,
        "a Secrets Manager secret name or ARN whose value is the Slack webhook URL",
    )
    parameter = _optional(
        values,
        "DIGEST_SLACK_WEBHOOK_PARAMETER",
        _PARAMETER_NAME,
        "an SSM parameter name (SecureString) whose value is the Slack webhook URL",
    )
    if secret and parameter:
        raise SettingsError(
            "DIGEST_SLACK_WEBHOOK_PARAMETER",
            parameter,
            "empty when DIGEST_SLACK_WEBHOOK_SECRET is set (one place for the webhook URL)",
        )
    report_url = values.get("REPORT_URL", "").strip() or None
    if report_url and not report_url.startswith(("https://", "http://")):
        raise SettingsError("REPORT_URL", report_url, "an http(s):// link to the cost report")
    if cadence is not Cadence.OFF and not (topic or secret or parameter):
        raise SettingsError(
            "DIGEST_CADENCE",
            values.get("DIGEST_CADENCE", ""),
            "off unless DIGEST_SNS_TOPIC_ARN or a Slack webhook (DIGEST_SLACK_WEBHOOK_SECRET / "
            "DIGEST_SLACK_WEBHOOK_PARAMETER) says where the digest goes",
        )
    return DigestSettings(cadence, weekday, topic, secret, parameter, report_url)


def _cadence(raw: str) -> tuple[Cadence, int | None]:
    value = raw.strip().lower()
    if value in ("", Cadence.OFF):
        return Cadence.OFF, None
    if value in (Cadence.DAILY, Cadence.MONTHLY):
        return Cadence(value), None
    kind, _, day = value.partition(":")
    if kind == Cadence.WEEKLY and day in _WEEKDAYS:
        return Cadence.WEEKLY, _WEEKDAYS.index(day)
    raise SettingsError(
        "DIGEST_CADENCE",
        raw,
        "off, daily, weekly:DAY (DAY one of " + ", ".join(_WEEKDAYS) + ") or monthly "
        "(once, after the last month's data turns final)",
    )


def _optional(
    values: Mapping[str, str], variable: str, pattern: re.Pattern[str], accepted: str
) -> str | None:
    value = values.get(variable, "").strip()
    if not value:
        return None
    if not pattern.match(value):
        raise SettingsError(variable, value, accepted)
    return value
