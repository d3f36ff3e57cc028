"""`dapanoskop run` and `backfill` through click's runner: files, output, exit codes, messages.

Cost Explorer is the local one, passed in through click's context object; S3 is moto's server,
reached the way a user's S3 would be, through the environment (AWS_ENDPOINT_URL_S3).

The ledger below is small enough to work every number out by hand. Each month M from 2025-09
to 2026-11 (month number i = 0 for 2025-09 ... 14 for 2026-11) has two line items:

| day | service | usage type         | amount        | App | CostCenter |
| 2nd | EC2     | BoxUsage:m5.large  | 10 x (i + 1)  | web | Research   |
| 3rd | S3      | TimedStorage-...   | 1.50          | -   | -          |

So with today = 2026-11-26:
  2026-11 (MTD, i=14): 150 + 1.50 = 151.50; like-for-like [2026-10-01, 2026-10-26): 141.50
  2026-10 (i=13): 140 + 1.50 = 141.50   2026-09 (i=12): 130 + 1.50 = 131.50
  2025-11 (i=2):   30 + 1.50 =  31.50   2025-10 (i=1):   20 + 1.50 =  21.50
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner, Result

from dapanoskop.cli import main
from dapanoskop.contract_check import check_output
from dapanoskop.handler import handle
from dapanoskop.localce import LineItem, LocalCostExplorer
from dapanoskop.periods import add_months
from tests.conftest import BUCKET

TODAY = date(2026, 11, 26)
PINNED = ["--today", "2026-11-26"]
EC2 = "Amazon Elastic Compute Cloud - Compute"
S3_SERVICE = "Amazon Simple Storage Service"
CATEGORY = ["--cost-category", "CostCenter"]


def ledger() -> list[LineItem]:
    items = []
    for i in range(15):
        month = add_months(date(2025, 9, 1), i)
        items.append(
            LineItem(
                day=month.replace(day=2),
                account="111111111111",
                service=EC2,
                usage_type="BoxUsage:m5.large",
                unit="Hrs",
                amount=Decimal(10 * (i + 1)),
                quantity=Decimal(24),
                tags={"App": "web"},
                cost_categories={"CostCenter": "Research"},
            )
        )
        items.append(
            LineItem(
                day=month.replace(day=3),
                account="111111111111",
                service=S3_SERVICE,
                usage_type="TimedStorage-ByteHrs",
                unit="GB-Mo",
                amount=Decimal("1.50"),
                quantity=Decimal(60),
            )
        )
    return items


@pytest.fixture
def fake_ce() -> LocalCostExplorer:
    return LocalCostExplorer(ledger(), TODAY)


@pytest.fixture(autouse=True)
def _no_output_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DAPANOSKOP_OUTPUT", "DATA_BUCKET", "DATA_PREFIX", "COST_METRIC"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s3_env(s3: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The moto bucket, reached by the CLI's own S3 client through the environment."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    return s3


def invoke(args: list[str], ce: LocalCostExplorer | None = None, **clients: Any) -> Result:
    obj = {"ce_client": ce.client(), **clients} if ce is not None else dict(clients)
    return CliRunner().invoke(main, args, obj=obj, prog_name="dapanoskop")


def summary(folder: Path, period: str) -> dict[str, Any]:
    return json.loads((folder / period / "summary.json").read_text(encoding="utf-8"))


def s3_json(s3: Any, key: str) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


# run


def test_run_writes_month_to_date_and_last_month_to_a_folder(
    fake_ce: LocalCostExplorer, tmp_path: Path
) -> None:
    result = invoke(["run", "--output", str(tmp_path), *CATEGORY, *PINNED], fake_ce)

    assert result.exit_code == 0, result.output
    requests = fake_ce.request_count()
    assert result.stdout == (
        f"daily run -> {tmp_path}\n"
        "  wrote    2026-11\n"
        "  wrote    2026-10\n"
        f"Cost Explorer requests: {requests} (${requests / 100:.2f})\n"
    )
    assert json.loads((tmp_path / "index.json").read_text())["periods"] == ["2026-11", "2026-10"]
    october = summary(tmp_path, "2026-10")
    assert october["totals"] == {
        "current_cost_usd": 141.5,
        "prev_month_cost_usd": 131.5,
        "yoy_cost_usd": 21.5,
    }
    # Research is web's EC2 (140); the untagged S3 item has no cost center (1.50).
    assert [(c["name"], c["current_cost_usd"]) for c in october["cost_centers"]] == [
        ("Research", 140.0),
        ("Uncategorized", 1.5),
    ]
    november = summary(tmp_path, "2026-11")
    assert november["is_mtd"] is True
    assert november["totals"]["current_cost_usd"] == 151.5
    assert november["totals"]["mtd_prior_partial_cost_usd"] == 141.5
    assert check_output(tmp_path) == []


def test_run_writes_to_an_s3_prefix(
    fake_ce: LocalCostExplorer, s3_env: Any, moto_endpoint: str
) -> None:
    result = invoke(["run", "--output", f"s3://{BUCKET}/prefix", *CATEGORY, *PINNED], fake_ce)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        f"daily run -> s3://{BUCKET}/prefix",
        "  wrote    2026-11",
        "  wrote    2026-10",
    ]
    keys = sorted(o["Key"] for o in s3_env.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == [
        "prefix/2026-10/cost-by-usage-type.parquet",
        "prefix/2026-10/cost-by-workload.parquet",
        "prefix/2026-10/summary.json",
        "prefix/2026-11/cost-by-usage-type.parquet",
        "prefix/2026-11/cost-by-workload.parquet",
        "prefix/2026-11/summary.json",
        "prefix/index.json",
    ]
    assert s3_json(s3_env, "prefix/2026-10/summary.json")["totals"]["current_cost_usd"] == 141.5
    assert check_output(f"s3://{BUCKET}/prefix") == []


def test_run_json_is_the_lambdas_answer_body(
    s3_env: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same data, same clock, same destination: the CLI prints what the Lambda answers."""
    env = {"DATA_BUCKET": BUCKET, "DATA_PREFIX": "p", "COST_CATEGORY_NAME": "CostCenter"}
    clock_now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    lambda_ce = LocalCostExplorer(ledger(), TODAY)
    answer = handle({}, env, lambda: clock_now, ce_client=lambda_ce.client(), s3_client=s3_env)
    for key in [o["Key"] for o in s3_env.list_objects_v2(Bucket=BUCKET)["Contents"]]:
        s3_env.delete_object(Bucket=BUCKET, Key=key)

    cli_ce = LocalCostExplorer(ledger(), TODAY)
    result = invoke(["run", "--output", f"s3://{BUCKET}/p", *CATEGORY, *PINNED, "--json"], cli_ce)

    assert result.exit_code == 0, result.output
    assert answer["statusCode"] == 200
    printed = json.loads(result.stdout)
    assert printed == json.loads(answer["body"])
    assert printed["succeeded"] == ["2026-11", "2026-10"]
    assert printed["destination"] == f"s3://{BUCKET}/p"
    assert printed["ce_requests"] == cli_ce.request_count()


# backfill


def test_backfill_writes_complete_months_quietly_when_not_a_terminal(
    fake_ce: LocalCostExplorer, tmp_path: Path
) -> None:
    result = invoke(
        ["backfill", "--months", "2", "--output", str(tmp_path), *CATEGORY, *PINNED], fake_ce
    )

    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no progress bar, no log lines: stderr is not a TTY
    assert result.stdout.splitlines()[:3] == [
        f"backfill run -> {tmp_path}",
        "  wrote    2026-10",
        "  wrote    2026-09",
    ]
    assert json.loads((tmp_path / "index.json").read_text())["periods"] == ["2026-10", "2026-09"]
    september = summary(tmp_path, "2026-09")
    # 2026-09: 131.50, 2026-08 (i=11): 121.50. 2025-09 has items (11.50), but Cost Explorer
    # keeps 13 months before the current one (2025-10 onwards), so the year-ago month is 0
    # and marked unavailable.
    assert september["totals"] == {
        "current_cost_usd": 131.5,
        "prev_month_cost_usd": 121.5,
        "yoy_cost_usd": 0.0,
    }
    assert september["period_status"] == {
        "current": "final",
        "prev_month": "final",
        "yoy": "unavailable",
    }
    assert check_output(tmp_path) == []


def test_backfill_skips_written_months_unless_forced(
    fake_ce: LocalCostExplorer, tmp_path: Path
) -> None:
    args = ["backfill", "--months", "2", "--output", str(tmp_path), *CATEGORY, *PINNED]
    assert invoke(args, fake_ce).exit_code == 0
    before = fake_ce.request_count()

    again = invoke(args, fake_ce)

    assert again.exit_code == 0, again.output
    assert again.stdout == (
        f"backfill run -> {tmp_path}\n"
        "  skipped  2026-10: summary.json exists (use force)\n"
        "  skipped  2026-09: summary.json exists (use force)\n"
        "Cost Explorer requests: 0 ($0.00)\n"
    )
    assert fake_ce.request_count() == before

    forced = invoke([*args, "--force"], fake_ce)

    assert forced.exit_code == 0, forced.output
    assert forced.stdout.splitlines()[1:3] == ["  wrote    2026-10", "  wrote    2026-09"]
    assert fake_ce.request_count() > before


def test_backfill_to_s3_prints_json(fake_ce: LocalCostExplorer, s3_env: Any) -> None:
    result = invoke(
        [
            "backfill",
            "--months",
            "2",
            "--output",
            f"s3://{BUCKET}/prefix",
            *CATEGORY,
            *PINNED,
            "--json",
        ],
        fake_ce,
    )

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    requests = fake_ce.request_count()
    # the cost category has no definition: one ListCostCategoryDefinitions finds that out
    assert fake_ce.request_count("ListCostCategoryDefinitions") == 1
    assert document == {
        "mode": "backfill",
        "destination": f"s3://{BUCKET}/prefix",
        "succeeded": ["2026-10", "2026-09"],
        "skipped": [],
        "failed": [],
        "ce_requests": requests,
        "ce_requests_by_operation": {
            "GetCostAndUsage": requests - 1,
            "ListCostCategoryDefinitions": 1,
        },
        "ce_cost_usd": f"{requests / 100:.2f}",
        "index": ["2026-10", "2026-09"],
    }
    assert s3_json(s3_env, "prefix/index.json")["periods"] == ["2026-10", "2026-09"]
    assert check_output(f"s3://{BUCKET}/prefix") == []


def test_a_period_that_cannot_be_written_fails_the_run(
    fake_ce: LocalCostExplorer, tmp_path: Path
) -> None:
    (tmp_path / "2026-09").write_text("a file where the period folder should be")

    result = invoke(
        ["backfill", "--months", "2", "--output", str(tmp_path), *CATEGORY, *PINNED], fake_ce
    )

    assert result.exit_code == 1
    target = tmp_path / "2026-09" / "cost-by-workload.parquet"
    assert result.stdout.splitlines()[1:3] == [
        "  wrote    2026-10",
        f"  FAILED   2026-09: cannot read {target}: [Errno 20] Not a directory: '{target}'",
    ]
    assert result.stderr.startswith("ERROR dapanoskop.pipeline: period failed period=2026-09 ")
    assert json.loads((tmp_path / "index.json").read_text())["periods"] == ["2026-10"]


# usage errors: exit code 2, nothing sent to AWS


def usage_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()[-1]


def test_bad_metric_option_names_the_option_the_value_and_what_is_accepted(
    fake_ce: LocalCostExplorer, tmp_path: Path
) -> None:
    result = invoke(["run", "--output", str(tmp_path), "--metric", "Bogus"], fake_ce)

    assert usage_error(result) == (
        "Error: --metric (COST_METRIC) 'Bogus' is not valid: accepted is one of "
        "UnblendedCost, AmortizedCost, BlendedCost, NetUnblendedCost, NetAmortizedCost"
    )
    assert result.stderr.startswith("Usage: dapanoskop run [OPTIONS]\n")
    assert fake_ce.request_count() == 0
    assert list(tmp_path.iterdir()) == []


def test_bad_metric_from_the_environment_names_the_option_and_the_variable(
    fake_ce: LocalCostExplorer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COST_METRIC", "unblended")

    result = invoke(["backfill", "--output", str(tmp_path)], fake_ce)

    assert usage_error(result) == (
        "Error: --metric (COST_METRIC) 'unblended' is not valid: accepted is one of "
        "UnblendedCost, AmortizedCost, BlendedCost, NetUnblendedCost, NetAmortizedCost"
    )


def test_bad_settle_days_option_names_the_option_and_the_range(
    fake_ce: LocalCostExplorer, tmp_path: Path
) -> None:
    result = invoke(["run", "--output", str(tmp_path), "--settle-days", "5"], fake_ce)

    assert usage_error(result).startswith(
        "Error: --settle-days (MTD_SETTLE_DAYS) '5' is not valid: accepted is a whole number "
        "of days from 0 to 3"
    )
    assert fake_ce.request_count() == 0
    assert list(tmp_path.iterdir()) == []


def test_months_out_of_range(fake_ce: LocalCostExplorer, tmp_path: Path) -> None:
    result = invoke(["backfill", "--months", "0", "--output", str(tmp_path)], fake_ce)

    assert (
        usage_error(result)
        == "Error: Invalid value for '--months': 0 is not in the range 1<=x<=38."
    )
    assert fake_ce.request_count() == 0


def test_missing_output(fake_ce: LocalCostExplorer) -> None:
    result = invoke(["run"], fake_ce)

    assert usage_error(result) == (
        "Error: --output is required: give s3://bucket[/prefix] or a folder "
        "(or set DAPANOSKOP_OUTPUT)"
    )
    assert fake_ce.request_count() == 0


def test_bad_bucket_name(fake_ce: LocalCostExplorer) -> None:
    result = invoke(["run", "--output", "s3://Cost_Data/x"], fake_ce)

    assert usage_error(result) == (
        "Error: --output (DATA_BUCKET) 'Cost_Data' is not valid: accepted is an S3 bucket name: "
        "3-63 lowercase letters, digits, dots, hyphens"
    )


# failures: exit code 1, one line, no traceback


def failure(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An AWS environment with nothing in it: empty config files, no keys, no instance role."""
    empty = tmp_path / "empty-aws-file"
    empty.write_text("")
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


NO_CREDENTIALS = (
    "Error: no AWS credentials found: run `aws configure` or `aws sso login`, or set "
    "AWS_PROFILE (try `dapanoskop demo` to see the output without an account)"
)


def test_no_credentials_writing_to_a_folder(no_credentials: None, tmp_path: Path) -> None:
    output = tmp_path / "out"

    result = invoke(["run", "--output", str(output), *PINNED])

    assert failure(result) == NO_CREDENTIALS
    assert result.stdout == ""


def test_no_credentials_writing_to_s3(no_credentials: None, s3_env: Any) -> None:
    result = invoke(["backfill", "--months", "1", "--output", f"s3://{BUCKET}/x", *PINNED])

    assert failure(result) == NO_CREDENTIALS


def test_unknown_profile(
    no_credentials: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nope")

    result = invoke(["run", "--output", str(tmp_path), *PINNED])

    assert failure(result) == (
        "Error: AWS configuration problem: The config profile (nope) could not be found; "
        "check AWS_PROFILE and ~/.aws/config"
    )


@pytest.mark.parametrize(
    ("operation", "options"),
    [("GetCostAndUsage", CATEGORY), ("GetCostCategories", [])],
)
def test_access_denied_names_the_missing_iam_action(
    fake_ce: LocalCostExplorer, tmp_path: Path, operation: str, options: list[str]
) -> None:
    """Without --cost-category the run first asks which cost categories exist."""
    fake_ce.fail_next(
        operation,
        "AccessDeniedException",
        message=f"User: arn:aws:iam::123456789012:user/x is not authorized to perform: "
        f"ce:{operation}",
    )

    result = invoke(["run", "--output", str(tmp_path), *options, *PINNED], fake_ce)

    assert failure(result) == (
        f"Error: access denied by AWS: the credentials lack the IAM action ce:{operation}; "
        "grant it (see README, 'Use it on your AWS account')"
    )


def test_access_denied_from_a_stubbed_cost_explorer(tmp_path: Path) -> None:
    ce = boto3.client("ce", region_name="us-east-1")
    stubber = Stubber(ce)
    stubber.add_client_error(
        "get_cost_and_usage", service_error_code="AccessDeniedException", http_status_code=400
    )
    with stubber:
        result = invoke(
            ["backfill", "--months", "1", "--output", str(tmp_path), *CATEGORY, *PINNED],
            ce_client=ce,
        )

    assert failure(result) == (
        "Error: access denied by AWS: the credentials lack the IAM action ce:GetCostAndUsage; "
        "grant it (see README, 'Use it on your AWS account')"
    )


def test_cost_explorer_not_enabled(fake_ce: LocalCostExplorer, tmp_path: Path) -> None:
    fake_ce.fail_next(
        "GetCostAndUsage",
        "AccessDeniedException",
        message="User not enabled for cost explorer access",
    )

    result = invoke(
        ["backfill", "--months", "1", "--output", str(tmp_path), *CATEGORY, *PINNED], fake_ce
    )

    assert failure(result) == (
        "Error: Cost Explorer is not enabled for this account: open Billing and Cost "
        "Management > Cost Explorer once to enable it; data appears within 24 hours"
    )


def test_expired_credentials(fake_ce: LocalCostExplorer, tmp_path: Path) -> None:
    fake_ce.fail_next("GetCostAndUsage", "ExpiredTokenException", message="token expired")

    result = invoke(["run", "--output", str(tmp_path), *CATEGORY, *PINNED], fake_ce)

    assert failure(result) == (
        "Error: AWS rejected the credentials (ExpiredTokenException): refresh them "
        "(`aws sso login`) or check AWS_PROFILE"
    )


def test_missing_bucket_fails_before_paying_for_cost_explorer(
    fake_ce: LocalCostExplorer, s3_env: Any
) -> None:
    result = invoke(["run", "--output", "s3://no-such-bucket/x", *CATEGORY, *PINNED], fake_ce)

    assert failure(result) == (
        "Error: the S3 bucket no-such-bucket does not exist "
        "(cannot read s3://no-such-bucket/x/index.json): create it or correct the name"
    )
    assert fake_ce.request_count() == 0


def test_access_denied_on_the_bucket_names_the_s3_action(
    fake_ce: LocalCostExplorer, tmp_path: Path
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    stubber = Stubber(s3)
    stubber.add_client_error("get_object", service_error_code="AccessDenied", http_status_code=403)
    with stubber:
        result = invoke(
            ["run", "--output", f"s3://{BUCKET}", *CATEGORY, *PINNED], fake_ce, s3_client=s3
        )

    assert failure(result) == (
        f"Error: access denied by AWS (cannot read s3://{BUCKET}/index.json): the credentials "
        "lack the IAM action s3:GetObject, or s3:ListBucket (without it S3 denies reads of "
        "missing objects); grant it (see README, 'Use it on your AWS account')"
    )
    assert fake_ce.request_count() == 0


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_s3_endpoint(
    fake_ce: LocalCostExplorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = unused_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")

    result = invoke(["run", "--output", f"s3://{BUCKET}/x", *CATEGORY, *PINNED], fake_ce)

    assert failure(result) == (
        f"Error: cannot reach S3 at http://127.0.0.1:{port}/{BUCKET}/x/index.json: check the "
        "network, and AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL if set"
    )
    assert fake_ce.request_count() == 0
