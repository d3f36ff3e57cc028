"""`dapanoskop report`: the click command and the function the demo calls.

Exit codes: 0 written, 1 failed (one line on stderr saying why), 2 usage error (click).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from dapanoskop.periods import parse_period
from dapanoskop.report.records import ReportError
from dapanoskop.report.render import render_report
from dapanoskop.report.source import ReportSource, load_history, open_source

logger = logging.getLogger(__name__)


def write_report(
    source: str | Path | ReportSource,
    output_path: str | Path,
    period: str | None = None,
    *,
    s3_client: Any = None,
) -> Path:
    """Read the files at `source` (folder, `s3://bucket[/prefix]` or a source object) and
    write the HTML report to `output_path`. Returns the path written.

    Raises ReportError for anything the user can fix (missing files, unknown period,
    unwritable output).
    """
    if isinstance(source, str | Path):
        source = open_source(source, s3_client)
    html = render_report(load_history(source), period)
    output = Path(output_path)
    data = html.encode("utf-8")
    try:
        output.write_bytes(data)
    except OSError as err:
        raise ReportError(f"cannot write {output}: {err.strerror or err}") from err
    logger.info("wrote report path=%s bytes=%d", output, len(data))
    return output


def _check_period(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parse_period(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from err
    return value


@click.command("report")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="DIR|s3://BUCKET[/PREFIX]",
    help="Where the pipeline published index.json and the period folders.",
)
@click.option(
    "--period",
    callback=_check_period,
    metavar="YYYY-MM",
    help="Period shown first (default: the latest complete month). All periods are included.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
def report_command(source: str, period: str | None, output: Path) -> None:
    """Write one self-contained HTML cost report (opens offline, no external requests)."""
    try:
        written = write_report(source, output, period)
    except ReportError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"wrote {written} ({written.stat().st_size // 1024} KiB)")
