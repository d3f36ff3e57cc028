"""The `dapanoskop` command: the Lambda's pipeline from a laptop, plus an offline demo.

Thin by design: options become the same Settings the Lambda builds from its environment,
the same pipeline runs, and the result document is the Lambda's answer body. Errors are one
line that says what to do, with exit code 1 (failure) or 2 (usage).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from dapanoskop import aws
from dapanoskop.contract_check import check_output
from dapanoskop.demo import DEFAULT_DEMO_MONTHS, DemoResult, describe_demo, run_demo
from dapanoskop.errors import explain
from dapanoskop.events import DEFAULT_BACKFILL_MONTHS, MAX_BACKFILL_MONTHS
from dapanoskop.notify import load_digest
from dapanoskop.periods import parse_period
from dapanoskop.pipeline import RunResult, run_backfill, run_daily
from dapanoskop.publisher import check_destination
from dapanoskop.report import report_command, write_report
from dapanoskop.report.records import ReportError
from dapanoskop.settings import (
    DATA_SOURCES,
    QUERY_ENGINES,
    Destination,
    Settings,
    SettingsError,
    parse_location,
    s3_destination,
)
from dapanoskop.storagelens import StorageLens
from dapanoskop.store import open_store

MAX_DEMO_MONTHS = 24

OPTION_OF_VARIABLE = {
    "COST_CATEGORY_NAME": "--cost-category",
    "INCLUDE_EFS": "--include-efs",
    "INCLUDE_EBS": "--include-ebs",
    "WORKLOAD_TAG_KEY": "--tag-key",
    "COST_METRIC": "--metric",
    "CE_HISTORY_MONTHS": "--history-months",
    "CE_CONCURRENCY": "--ce-concurrency",
    "INCLUDE_ACCOUNTS": "--accounts",
    "DATA_SOURCE": "--source",
    "DATA_EXPORT_LOCATION": "--export",
    "QUERY_ENGINE": "--engine",
    "STORAGE_LENS_CONFIG_ID": "--storage-lens",
    "MTD_SETTLE_DAYS": "--settle-days",
    "SSE_KMS_KEY_ID": "SSE_KMS_KEY_ID",
    "DATA_BUCKET": "--output",
    "DATA_PREFIX": "--output",
}


def _today_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """A hidden --today, so tests and reproducible demos can pin the clock."""
    return click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        hidden=True,
    )(function)


def _pipeline_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--output",
            "output",
            envvar="DAPANOSKOP_OUTPUT",
            help="s3://bucket[/prefix] or a local folder [env DAPANOSKOP_OUTPUT, or "
            "DATA_BUCKET/DATA_PREFIX]",
        ),
        click.option(
            "--cost-category",
            help="AWS Cost Category that defines cost centers [env COST_CATEGORY_NAME]",
        ),
        click.option(
            "--include-efs/--no-include-efs",
            default=None,
            help="count EFS as storage [env INCLUDE_EFS]",
        ),
        click.option(
            "--include-ebs/--no-include-ebs",
            default=None,
            help="count EBS volumes and snapshots as storage [env INCLUDE_EBS]",
        ),
        click.option("--tag-key", help="tag that names workloads [env WORKLOAD_TAG_KEY, App]"),
        click.option("--metric", help="Cost Explorer cost metric [env COST_METRIC, UnblendedCost]"),
        click.option(
            "--history-months",
            help="months of Cost Explorer history (13, or 38 with multi-year data) "
            "[env CE_HISTORY_MONTHS]",
        ),
        click.option(
            "--ce-concurrency",
            help="Cost Explorer requests in flight at once, 1-10 [env CE_CONCURRENCY, 3]",
        ),
        click.option(
            "--accounts/--no-accounts",
            default=None,
            help="list linked accounts in summary.json (1-2 more Cost Explorer requests a run; "
            "free from a data export) [env INCLUDE_ACCOUNTS]",
        ),
        click.option(
            "--source",
            type=click.Choice(DATA_SOURCES),
            help="where cost data comes from [env DATA_SOURCE, cost-explorer]",
        ),
        click.option(
            "--export",
            metavar="s3://BUCKET/PREFIX/EXPORT|DIR",
            help="the CUR 2.0 data export, with --source data-export [env DATA_EXPORT_LOCATION]",
        ),
        click.option(
            "--engine",
            type=click.Choice(QUERY_ENGINES),
            help="what aggregates the export [env QUERY_ENGINE, duckdb]",
        ),
        click.option(
            "--storage-lens",
            help="S3 Storage Lens configuration id for bytes stored; off to never ask "
            "[env STORAGE_LENS_CONFIG_ID, empty: find an organization-wide one]",
        ),
        click.option(
            "--settle-days",
            help="days before today left out of the month to date while Cost Explorer still "
            "loads them, 0-3 [env MTD_SETTLE_DAYS, 1]",
        ),
        click.option("--json", "as_json", is_flag=True, help="print the result document as JSON"),
        _today_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="log each step of the pipeline on stderr")
@click.version_option(package_name="dapanoskop")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Dapanoskop: AWS Cost Explorer data -> summary.json + Parquet, in S3 or a folder.

    AWS credentials, profile and region come from the usual AWS environment
    (AWS_PROFILE, ~/.aws/config, AWS_ENDPOINT_URL_S3, ...).
    """
    # Tests (and embedding programs) pass clients in: main(obj={"ce_client": ..., "s3_client":
    # ...}). Without them, boto3 clients are created when a command first needs AWS.
    ctx.ensure_object(dict)
    _configure_logging(verbose)


main.add_command(report_command)


class _CliLogHandler(logging.StreamHandler):
    """The handler this command installs; replaced, never stacked, when main runs again."""


def _configure_logging(verbose: bool) -> None:
    """Pipeline warnings (with -v also its steps) on stderr, one line each.

    Without this, Python's last-resort handler would print bare messages, and warnings that
    only repeat an error the command reports anyway would clutter its one-line message.
    """
    logger = logging.getLogger("dapanoskop")
    for handler in [h for h in logger.handlers if isinstance(h, _CliLogHandler)]:
        logger.removeHandler(handler)
    handler = _CliLogHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.addHandler(handler)
    if verbose:
        logger.setLevel(logging.INFO)


@main.command()
@_pipeline_options
def run(**options: Any) -> None:
    """Do what the daily Lambda does (month to date and last month)."""
    settings = _settings(options)
    result = _execute(
        lambda ce, store, now: run_daily(
            settings, ce, store, now, storage_lens=_storage_lens(settings)
        ),
        settings,
        options,
    )
    _finish(result, options["as_json"])


@main.command()
@click.option(
    "--months",
    type=click.IntRange(1, MAX_BACKFILL_MONTHS),
    default=DEFAULT_BACKFILL_MONTHS,
    show_default=True,
    help="complete months before the current one",
)
@click.option("--force", is_flag=True, help="rewrite months that already have a summary")
@_pipeline_options
def backfill(months: int, force: bool, **options: Any) -> None:
    """Write the N complete months before the current one."""
    settings = _settings(options)

    def job(ce: Any, store: Any, now: datetime) -> RunResult:
        with _progress(months, "backfill") as advance:
            return run_backfill(
                settings,
                ce,
                store,
                now,
                months,
                force=force,
                progress=advance,
                storage_lens=_storage_lens(settings),
            )

    _finish(_execute(job, settings, options), options["as_json"])


def _settings(options: Mapping[str, Any]) -> Settings:
    overrides = {
        "COST_CATEGORY_NAME": options["cost_category"],
        "INCLUDE_EFS": _flag(options["include_efs"]),
        "INCLUDE_EBS": _flag(options["include_ebs"]),
        "WORKLOAD_TAG_KEY": options["tag_key"],
        "COST_METRIC": options["metric"],
        "CE_HISTORY_MONTHS": options["history_months"],
        "CE_CONCURRENCY": options["ce_concurrency"],
        "INCLUDE_ACCOUNTS": _flag(options["accounts"]),
        "DATA_SOURCE": options["source"],
        "DATA_EXPORT_LOCATION": options["export"],
        "QUERY_ENGINE": options["engine"],
        "STORAGE_LENS_CONFIG_ID": options["storage_lens"],
        "MTD_SETTLE_DAYS": options["settle_days"],
    }
    try:
        return Settings.build(_destination(options["output"]), os.environ, overrides)
    except SettingsError as error:
        raise _usage_error(error, OPTION_OF_VARIABLE.get(error.variable, error.variable)) from error


def _usage_error(error: SettingsError, option: str) -> click.UsageError:
    """Exit code 2 with the option, the variable it falls back to, the value and what is valid."""
    return click.UsageError(
        f"{option} ({error.variable}) {error.value!r} is not valid: accepted is {error.accepted}"
    )


def _destination(output: str | None) -> Destination:
    if output:
        return parse_location(output)
    bucket = os.environ.get("DATA_BUCKET", "").strip()
    if bucket:
        return s3_destination(bucket, os.environ.get("DATA_PREFIX", ""))
    raise click.UsageError(
        "--output is required: give s3://bucket[/prefix] or a folder (or set DAPANOSKOP_OUTPUT)"
    )


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


def _now(options: Mapping[str, Any]) -> datetime:
    pinned = options.get("today")
    if pinned is not None:
        return pinned.replace(hour=6, tzinfo=UTC)
    return datetime.now(UTC)


def _execute(
    job: Callable[[Any, Any, datetime], RunResult],
    settings: Settings,
    options: Mapping[str, Any],
) -> RunResult:
    """Run a job; any AWS or storage failure becomes one line and exit code 1.

    The destination is read first (its index.json), so a missing bucket, missing permission
    or unreachable endpoint stops the run before it pays for Cost Explorer requests.
    """
    clients = _clients()
    with _explained_errors():
        store = open_store(settings.destination, clients.get("s3_client"), settings.sse_kms_key_id)
        check_destination(store)
        ce_client = clients.get("ce_client") or aws.cost_explorer_client()
        return job(ce_client, store, _now(options))


def _storage_lens(settings: Settings) -> StorageLens | None:
    """The Storage Lens reader unless switched off; clients from the context (tests) or AWS."""
    if not settings.storage_lens_enabled:
        return None
    clients = _clients().get("storage_lens_clients") or aws.storage_lens_clients()
    return StorageLens(settings.storage_lens_config_id, clients)


def _clients() -> Mapping[str, Any]:
    """Clients passed in through click's context object (tests); empty when run as a command."""
    obj = click.get_current_context().find_object(dict)
    return obj if obj is not None else {}


@contextmanager
def _explained_errors() -> Iterator[None]:
    """A failure the user can fix becomes `Error: <one line>` and exit code 1; a bug stays whole."""
    try:
        yield
    except Exception as error:
        message = explain(error)
        if message is None:
            raise
        raise click.ClickException(message) from error


def _finish(result: RunResult, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2, sort_keys=True))
    else:
        _print_result(result)
    if result.failed:
        sys.exit(1)


def _print_result(result: RunResult) -> None:
    click.echo(f"{result.mode} run -> {result.destination}")
    for period in result.succeeded:
        click.echo(f"  wrote    {period}")
    for skipped in result.skipped:
        click.echo(f"  skipped  {skipped.period}: {skipped.reason}")
    for failed in result.failed:
        click.echo(f"  FAILED   {failed.period}: {failed.error}")
    click.echo(f"Cost Explorer requests: {result.ce_requests} (${result.as_dict()['ce_cost_usd']})")


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[str], None]]:
    """A progress bar on a terminal; silent when stderr is not a TTY (CI, pipes, --json)."""
    if not sys.stderr.isatty():
        yield lambda _period: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield lambda _period: bar.update(1)


@main.command()
@click.option(
    "--output",
    default="demo-output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="folder to write the demo's files into",
)
@click.option(
    "--months",
    type=click.IntRange(1, MAX_DEMO_MONTHS),
    default=DEFAULT_DEMO_MONTHS,
    show_default=True,
    help="complete months to write (plus the month to date)",
)
@click.option(
    "--source",
    type=click.Choice(DATA_SOURCES),
    default=DATA_SOURCES[0],
    show_default=True,
    help="read the organization through the local Cost Explorer or as a CUR 2.0 export",
)
@click.option("--json", "as_json", is_flag=True, help="print the result documents as JSON")
@_today_option
def demo(output: Path, months: int, source: str, as_json: bool, today: datetime | None) -> None:
    """Run the pipeline on a simulated organization (no AWS account).

    The real collector, processor and publisher, against a local Cost Explorer loaded with a
    built-in, deterministic organization; writes the files and an HTML report to a folder.
    """
    day = today.date() if today else datetime.now(UTC).date()
    folder = output.resolve()
    with _explained_errors(), _progress(months, "demo") as advance:
        try:
            result = run_demo(
                folder, day, months, progress=advance, write_html=write_report, source=source
            )
        except ReportError as error:
            raise click.ClickException(
                f"wrote the demo's files to {folder} but not its report: {error}"
            ) from error
    if as_json:
        document = {"backfill": result.backfill.as_dict(), "daily": result.daily.as_dict()}
        click.echo(json.dumps(document, indent=2, sort_keys=True))
    else:
        click.echo(describe_demo(result))
    if _demo_failed(result):
        sys.exit(1)


def _demo_failed(result: DemoResult) -> bool:
    return bool(result.backfill.failed or result.daily.failed)


@main.command()
@click.option(
    "--from",
    "source",
    required=True,
    metavar="DIR|s3://BUCKET[/PREFIX]",
    help="where the pipeline published index.json and the period folders",
)
def check(source: str) -> None:
    """Check published files against the data contract.

    Exit code 0 when they conform; 1 with one line per problem when they do not.
    """
    try:
        parse_location(source)
    except SettingsError as error:
        raise click.UsageError(
            f"--from {error.value!r} is not valid: accepted is {error.accepted}"
        ) from error
    with _explained_errors():
        problems = check_output(source, s3_client=_clients().get("s3_client"))
    if not problems:
        click.echo(f"{source}: conforms to the data contract")
        return
    click.echo(f"{source}: {len(problems)} contract problem(s)")
    for problem in problems:
        click.echo(f"  {problem}")
    sys.exit(1)


@main.command()
@click.option(
    "--from",
    "source",
    required=True,
    metavar="DIR|s3://BUCKET[/PREFIX]",
    help="where the pipeline published index.json and the period folders",
)
@click.option(
    "--period",
    metavar="YYYY-MM",
    help="the period to report on (default: the newest published)",
)
@click.option(
    "--report-url",
    envvar="REPORT_URL",
    help="link to the cost report, put at the end [env REPORT_URL]",
)
@click.option("--subject", "with_subject", is_flag=True, help="print the subject line first")
def digest(source: str, period: str | None, report_url: str | None, with_subject: bool) -> None:
    """Print the cost digest the Lambda sends, built from the published summary.json files."""
    try:
        destination = parse_location(source)
        if period is not None:
            parse_period(period)
    except SettingsError as error:
        raise click.UsageError(
            f"--from {error.value!r} is not valid: accepted is {error.accepted}"
        ) from error
    except ValueError as error:
        raise click.UsageError(f"--period {period!r} is not valid: {error}") from error
    with _explained_errors():
        store = open_store(destination, _clients().get("s3_client"))
        built = load_digest(store, period, report_url)
    if with_subject:
        click.echo(built.subject)
        click.echo()
    click.echo(built.text, nl=False)
