"""Benchmark of the Data Exports (CUR 2.0) source, side by side with the Cost Explorer path.

For each account of accounts.py the same line items are (1) served by the local Cost Explorer
(run_bench.py's machinery) and (2) written as a CUR 2.0 export to a local folder, daily rows
(`--days N` rows per line item: the export grows N-fold, the answers stay the same). Each job
then runs in a fresh process (run_job.py), killed past `--max-rss` MiB, and reports wall time,
CPU time, peak RSS (VmHWM), bytes read (/proc/self/io rchar) and Cost Explorer requests.

    cd lambda && uv run python ../bench/export_bench.py --accounts small,large --days 1,4
    cd lambda && uv run python ../bench/export_bench.py --accounts very-large --days 1 --no-ce

The export's files are written with pyarrow directly (vectorised, not through the local
writer's per-row checks, which the tests cover), with the writer's column names and types.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accounts import ACCOUNTS, line_items
from run_bench import DEFAULT_TODAY, Case, machine, run_all

from dapanoskop.dataexport.columns import PRODUCT_NAME_KEY, SCHEMA
from dapanoskop.localce.cur_export import product_code
from dapanoskop.periods import add_months

HERE = Path(__file__).resolve().parent
ROWS_PER_FILE = 2_000_000
ROWS_PER_BATCH = 250_000
# Parquet row groups of a fixed size, whatever the export's size: a reader decodes a row group's
# column chunk at once, so memory follows the row-group size (AWS's choice), not the export's.
ROW_GROUP_ROWS = 65_536
_MIB = 1024 * 1024


def write_export(account: str, today: date, root: Path, days: int) -> dict[str, Any]:
    """The account's items as a CUR 2.0 export, each item spread over `days` daily rows."""
    started = time.perf_counter()
    rows = files = 0
    by_month: dict[date, list[Any]] = {}
    for item in line_items(ACCOUNTS[account], today):
        by_month.setdefault(item.day.replace(day=1), []).append(item)
    for month, items in sorted(by_month.items()):
        period = month.strftime("%Y-%m")
        final = add_months(month, 1) < today.replace(day=1) or (
            add_months(month, 1) == today.replace(day=1) and today.day > 3
        )
        keys = []
        writer = None
        in_file = 0
        for batch in _batches(items, month, days, final):
            if writer is None or in_file >= ROWS_PER_FILE:
                if writer is not None:
                    writer.close()
                files += 1
                key = f"data/BILLING_PERIOD={period}/bench-{len(keys) + 1:05d}.snappy.parquet"
                (root / key).parent.mkdir(parents=True, exist_ok=True)
                writer = pq.ParquetWriter(root / key, SCHEMA, compression="snappy")
                keys.append(key)
                in_file = 0
            writer.write_table(batch, row_group_size=ROW_GROUP_ROWS)
            in_file += batch.num_rows
            rows += batch.num_rows
        if writer is not None:
            writer.close()
        manifest = root / f"metadata/BILLING_PERIOD={period}/bench-Manifest.json"
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps({"exportName": "bench", "dataFiles": keys}))
    size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    return {"rows": rows, "files": files, "bytes": size, "seconds": time.perf_counter() - started}


def _batches(items: list[Any], month: date, days: int, final: bool) -> Iterator[pa.Table]:
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    start = datetime.combine(month, datetime.min.time())
    period_end = datetime.combine(add_months(month, 1), datetime.min.time())
    invoice = f"INV-{month:%Y%m}" if final else ""
    count = 0
    for item in items:
        amount = float(item.amount) / days
        quantity = float(item.quantity) / days
        product = [(PRODUCT_NAME_KEY, item.service)]
        tags = [(f"user_{k}", v) for k, v in item.tags.items()]
        categories = list(item.cost_categories.items())
        code = product_code(item.service)
        for offset in range(days):
            day = start.replace(day=item.day.day + offset if days > 1 else item.day.day)
            if day >= period_end:
                break
            values = {
                "bill_billing_period_start_date": start,
                "bill_billing_period_end_date": period_end,
                "bill_invoice_id": invoice,
                "cost_category": categories,
                "line_item_line_item_type": "Usage",
                "line_item_product_code": code,
                "line_item_unblended_cost": amount,
                "line_item_net_unblended_cost": amount,
                "line_item_blended_cost": amount,
                "line_item_usage_account_id": item.account,
                "line_item_usage_account_name": f"account {item.account[-4:]}",
                "line_item_usage_amount": quantity,
                "line_item_usage_start_date": day,
                "line_item_usage_type": item.usage_type,
                "pricing_unit": item.unit,
                "product": product,
                "resource_tags": tags,
            }
            for name, column in columns.items():
                column.append(values.get(name))
            count += 1
            if count >= ROWS_PER_BATCH:
                yield pa.table(columns, schema=SCHEMA)
                columns = {name: [] for name in SCHEMA.names}
                count = 0
    if count:
        yield pa.table(columns, schema=SCHEMA)


def run_export_job(
    export: Path, job: str, months: int, today: date, max_rss_mib: float
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="export-bench-") as folder:
        result = Path(folder) / "result.json"
        command = [
            sys.executable,
            str(HERE / "run_job.py"),
            f"--export={export}",
            f"--job={job}",
            f"--today={today.isoformat()}",
            f"--months={months}",
            f"--out-dir={Path(folder) / 'out'}",
            f"--result={result}",
        ]
        worker = subprocess.Popen(command)
        seen = 0.0
        while worker.poll() is None:
            seen = max(seen, _rss_of(worker.pid))
            if seen > max_rss_mib:
                worker.kill()
                worker.wait()
                return {"error": f"killed past {max_rss_mib:,.0f} MiB"}
            time.sleep(0.2)
        if worker.returncode != 0:
            return {"error": f"exited with {worker.returncode}"}
        return json.loads(result.read_text())


def _rss_of(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _row(account: str, source: str, job: str, r: dict[str, Any], export: str = "") -> str:
    if "error" in r:
        return f"| {account} | {source} | {job} | {export} | {r['error']} | | | | |"
    answer = r["answer"]
    return (
        f"| {account} | {source} | {job} | {export} | {r['wall_seconds']:.1f} | "
        f"{r['cpu_seconds']:.1f} | {r['peak_rss_mib']:,.0f} | "
        f"{r.get('read_bytes', 0) / _MIB:,.0f} | {answer['ce_requests']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="small,large")
    parser.add_argument("--days", default="1", help="daily rows per line item, e.g. 1,4")
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY)
    parser.add_argument("--max-rss", type=float, default=10_240.0)
    parser.add_argument("--no-ce", action="store_true", help="skip the Cost Explorer path")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        "",
        "| account | source | job | export (rows / files / size) | wall s | CPU s | peak RSS MiB"
        " | read MiB | CE requests |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for account in args.accounts.split(","):
        if not args.no_ce:
            cases = [Case(account, "daily"), Case(account, "backfill")]
            outcomes, _ = run_all(cases, args.today, None, args.max_rss)
            for outcome in outcomes:
                r = outcome.result or {"error": outcome.error}
                lines.append(_row(account, "Cost Explorer", outcome.case.label, r))
        for days in (int(d) for d in args.days.split(",")):
            with tempfile.TemporaryDirectory(prefix=f"cur-{account}-") as folder:
                root = Path(folder) / "bench"
                print(f"writing the {account} export ({days} day(s) per item) ...", file=sys.stderr)
                written = write_export(account, args.today, root, days)
                export = (
                    f"{written['rows']:,} / {written['files']} / {written['bytes'] / _MIB:,.0f} MiB"
                )
                print(f"  {export} in {written['seconds']:.0f} s", file=sys.stderr)
                for job, months in (("daily", 13), ("backfill", 13)):
                    r = run_export_job(root, job, months, args.today, args.max_rss)
                    label = "backfill 13" if job == "backfill" else job
                    lines.append(_row(account, "data export (DuckDB)", label, r, export))
                    print("  " + lines[-1], file=sys.stderr)
    table = "\n".join(lines)
    print(table)
    if args.output:
        args.output.write_text(table + "\n")


if __name__ == "__main__":
    main()
