"""The function role allows exactly the AWS calls the pipeline makes, on exactly its data.

The calls are not listed by hand: the Lambda's core (`handler.handle`) runs a daily run with a
forecast, a backfill and a daily run that has to look up the cost category, against moto S3 and
the local Cost Explorer, and botocore's `provide-client-params` event records every API call
both clients make (every call, not every HTTP attempt: permissions are per operation). Each
operation is mapped to the IAM action that authorises it, and the set is compared with the
template's. A new call in the code without a template change, or a permission the code no
longer needs, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from dapanoskop.handler import handle
from dapanoskop.localce import (
    CostCategoryDefinition,
    CostCategoryVersion,
    LineItem,
    LocalCostExplorer,
)
from dapanoskop.periods import add_months
from tests.conftest import BUCKET
from tests.storage_lens_support import LensAccount
from tests.test_deploy_template import (
    Deployment,
    load_template,
    role_statements,
    template_iam_actions,
)

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
PREFIX = "reports/aws"
CATEGORY = "Cost Center"

# The IAM action that authorises each API operation (AWS Service Authorization Reference:
# HeadObject needs s3:GetObject, ListObjectsV2 needs s3:ListBucket). An operation missing
# here fails the test with its name, so a new call cannot slip through unmapped.
IAM_ACTION_OF: Mapping[tuple[str, str], str] = {
    ("s3", "GetObject"): "s3:GetObject",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "PutObject"): "s3:PutObject",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("ce", "GetCostAndUsage"): "ce:GetCostAndUsage",
    ("ce", "GetCostForecast"): "ce:GetCostForecast",
    ("ce", "GetCostCategories"): "ce:GetCostCategories",
    ("ce", "ListCostCategoryDefinitions"): "ce:ListCostCategoryDefinitions",
    ("ce", "DescribeCostCategoryDefinition"): "ce:DescribeCostCategoryDefinition",
    # S3 Storage Lens: S3 Control's configuration calls are s3: actions; GetCallerIdentity
    # needs no permission at all (STS API reference), so it maps to no action ("").
    ("sts", "GetCallerIdentity"): "",
    ("s3control", "ListStorageLensConfigurations"): "s3:ListStorageLensConfigurations",
    ("s3control", "GetStorageLensConfiguration"): "s3:GetStorageLensConfiguration",
    ("cloudwatch", "ListMetrics"): "cloudwatch:ListMetrics",
    ("cloudwatch", "GetMetricData"): "cloudwatch:GetMetricData",
}


@dataclass(frozen=True)
class ApiCall:
    service: str  # botocore's service name: "s3", "ce"
    operation: str  # API name: "PutObject"
    params: Mapping[str, Any]

    @property
    def iam_action(self) -> str:
        try:
            return IAM_ACTION_OF[(self.service, self.operation)]
        except KeyError:
            raise AssertionError(f"unmapped API call {self.service}:{self.operation}") from None

    @property
    def resource(self) -> str:
        """The ARN IAM checks the call against (S3 only; Cost Explorer has no resources)."""
        if self.service != "s3":
            return "*"
        bucket = self.params["Bucket"]
        if self.operation == "ListObjectsV2":
            return f"arn:aws:s3:::{bucket}"
        return f"arn:aws:s3:::{bucket}/{self.params['Key']}"


class CallRecorder:
    """Every API call the given boto3 clients make, in order."""

    def __init__(self, *clients: Any) -> None:
        self.calls: list[ApiCall] = []
        for client in clients:
            client.meta.events.register("provide-client-params", self._on_call)

    def _on_call(self, params: Mapping[str, Any], model: Any, **_kwargs: Any) -> None:
        service = model.service_model.service_name
        self.calls.append(ApiCall(service, model.name, dict(params)))

    def operations(self) -> set[tuple[str, str]]:
        return {(call.service, call.operation) for call in self.calls}

    def iam_actions(self) -> set[str]:
        return {call.iam_action for call in self.calls} - {""}


def account_items(today: date) -> list[LineItem]:
    """Two tagged workloads in one cost category, every day of the 14 months before `today`.

    Every day has data, so the month-to-date forecast has its 7+ days of history.
    """
    items = []
    day = add_months(today.replace(day=1), -14)
    while day < today:
        for app, usage_type, service, unit in (
            ("shop", "TimedStorage-ByteHrs", "Amazon Simple Storage Service", "GB-Mo"),
            ("search", "BoxUsage:m5.large", "Amazon Elastic Compute Cloud - Compute", "Hrs"),
        ):
            items.append(
                LineItem(
                    day=day,
                    account="111111111111",
                    service=service,
                    usage_type=usage_type,
                    unit=unit,
                    amount=Decimal("2.50"),
                    quantity=Decimal(24),
                    tags={"App": app},
                    cost_categories={CATEGORY: "Retail"},
                )
            )
        day += timedelta(days=1)
    return items


Recorded = tuple["CallRecorder", Any, Any, LensAccount]


@pytest.fixture
def recorded(s3: Any, moto_endpoint: str) -> Recorded:
    """(recorder, Cost Explorer client, S3 client, Storage Lens account) sharing one account
    and one bucket; the cost category has a split-charge rule, and Storage Lens has an
    organization-wide configuration with data."""
    # The category's definition: one version, Retail's cost split evenly onto Platform.
    version = CostCategoryVersion(
        date(2025, 1, 1),
        split_charge_rules=({"Source": "Retail", "Targets": ["Platform"], "Method": "EVEN"},),
    )
    definitions = (CostCategoryDefinition(CATEGORY, "cc1", (version,)),)
    ce = LocalCostExplorer(account_items(NOW.date()), NOW.date(), definitions=definitions).client()
    lens = LensAccount(moto_endpoint)
    lens.configuration("org-lens")
    for name in ("StorageBytes", "ObjectCount"):
        lens.metric("org-lens", name, [(date(2026, 10, 30), 100.0), (date(2026, 11, 24), 120.0)])
    recorder = CallRecorder(ce, s3, lens.sts, lens.s3control, lens.cloudwatch)
    return recorder, ce, s3, lens


def run(
    recorder_and_clients: Recorded,
    event: Mapping[str, Any],
    cost_category: str | None,
) -> set[tuple[str, str]]:
    """One invocation; returns the operations it called (and asserts it succeeded)."""
    recorder, ce, s3, lens = recorder_and_clients
    before = len(recorder.calls)
    env = {"DATA_BUCKET": BUCKET, "DATA_PREFIX": PREFIX}
    if cost_category is not None:
        env["COST_CATEGORY_NAME"] = cost_category
    answer = handle(
        dict(event),
        env,
        lambda: NOW,
        ce_client=ce,
        s3_client=s3,
        storage_lens_clients=lens.clients(),
    )
    assert answer["statusCode"] == 200, answer
    return {(c.service, c.operation) for c in recorder.calls[before:]}


def run_all_jobs(recorded: Recorded) -> list[set[tuple[str, str]]]:
    """Daily run with forecast, a 13-month backfill, daily run without a configured category."""
    return [
        run(recorded, {}, CATEGORY),
        run(recorded, {"backfill": True, "months": 13}, CATEGORY),
        run(recorded, {}, None),
    ]


def test_each_job_makes_the_calls_it_should(recorded) -> None:
    daily, backfill, daily_without_category = run_all_jobs(recorded)
    # Daily on an empty bucket: reads the M-1 summary (GetObject, missing), asks Cost Explorer
    # and the forecast, writes both periods, lists the summaries, reads and writes the index.
    # S3 Storage Lens (STORAGE_LENS_CONFIG_ID empty): the account id, the configurations,
    # the organization's metric series and their data; the cost category's definition.
    storage_lens = {
        ("sts", "GetCallerIdentity"),
        ("s3control", "ListStorageLensConfigurations"),
        ("s3control", "GetStorageLensConfiguration"),
        ("cloudwatch", "ListMetrics"),
        ("cloudwatch", "GetMetricData"),
    }
    definition = {
        ("ce", "ListCostCategoryDefinitions"),
        ("ce", "DescribeCostCategoryDefinition"),
    }
    assert daily == {
        ("s3", "GetObject"),
        ("ce", "GetCostAndUsage"),
        ("ce", "GetCostForecast"),
        ("s3", "PutObject"),
        ("s3", "ListObjectsV2"),
        *definition,
        *storage_lens,
    }
    # Backfill: checks whether each month exists (HeadObject), no forecast for whole months.
    assert backfill == {
        ("s3", "HeadObject"),
        ("ce", "GetCostAndUsage"),
        ("s3", "PutObject"),
        ("s3", "ListObjectsV2"),
        ("s3", "GetObject"),
        *definition,
        *storage_lens,
    }
    # No COST_CATEGORY_NAME: the account's cost categories are looked up first.
    assert ("ce", "GetCostCategories") in daily_without_category
    assert ("ce", "GetCostCategories") not in daily | backfill


def test_template_allows_exactly_the_actions_the_pipeline_calls(recorded) -> None:
    run_all_jobs(recorded)
    recorder = recorded[0]
    assert recorder.iam_actions() == template_iam_actions()
    # the same in words, for the reader of a failure:
    assert template_iam_actions() == {
        "ce:GetCostAndUsage",
        "ce:GetCostForecast",
        "ce:GetCostCategories",
        "ce:ListCostCategoryDefinitions",
        "ce:DescribeCostCategoryDefinition",
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "s3:ListStorageLensConfigurations",
        "s3:GetStorageLensConfiguration",
        "cloudwatch:ListMetrics",
        "cloudwatch:GetMetricData",
    }


# ---------------------------------------------------------------------------------------------
# S3 scope: every recorded call is allowed on its own object, and nothing outside the prefix.


def iam_pattern(resource: str) -> re.Pattern[str]:
    """An IAM resource string as a regex: `*` any characters (also `/`), `?` one character."""
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in resource)
    return re.compile("".join(parts))


def allows(statements: Iterable[Mapping[str, Any]], action: str, resource: str) -> bool:
    """Whether some Allow statement grants `action` on `resource` (no Deny in this role)."""
    for statement in statements:
        actions = _as_list(statement["Action"])
        if statement["Effect"] != "Allow" or action not in actions:
            continue
        if any(iam_pattern(r).fullmatch(resource) for r in _as_list(statement["Resource"])):
            return True
    return False


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


@pytest.fixture
def deployed_statements() -> list[dict[str, Any]]:
    """The role's statements as deployed into the existing bucket BUCKET under PREFIX."""
    template = load_template()
    deployment = Deployment(template, {"ExistingBucketName": BUCKET, "DataPrefix": PREFIX})
    return deployment.resolve(role_statements(template))


def test_every_recorded_s3_call_is_allowed_on_its_object(recorded, deployed_statements) -> None:
    run_all_jobs(recorded)
    s3_calls = [call for call in recorded[0].calls if call.service == "s3"]
    resources = {call.resource for call in s3_calls}
    # the files the runs touched, all below the prefix, plus the bucket itself (listing)
    assert f"arn:aws:s3:::{BUCKET}/{PREFIX}/index.json" in resources
    assert f"arn:aws:s3:::{BUCKET}" in resources
    assert all(
        r == f"arn:aws:s3:::{BUCKET}" or r.startswith(f"arn:aws:s3:::{BUCKET}/{PREFIX}/")
        for r in resources
    ), resources
    denied = [
        (call.iam_action, call.resource)
        for call in s3_calls
        if not allows(deployed_statements, call.iam_action, call.resource)
    ]
    assert denied == []


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:GetObject", f"arn:aws:s3:::{BUCKET}/index.json"),  # bucket root, outside prefix
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}/reports/other/index.json"),
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}/reports/aws-old/index.json"),  # prefix + suffix
        ("s3:GetObject", f"arn:aws:s3:::other-bucket/{PREFIX}/index.json"),
        ("s3:ListBucket", "arn:aws:s3:::other-bucket"),
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}"),  # object action on the bucket
        ("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/{PREFIX}/index.json"),  # never called
        ("s3:GetObject", "*"),
    ],
)
def test_s3_access_outside_the_bucket_and_prefix_is_denied(
    deployed_statements, action, resource
) -> None:
    assert not allows(deployed_statements, action, resource)


def test_no_s3_statement_has_a_wildcard_resource_or_action(deployed_statements) -> None:
    s3_statements = [
        s for s in deployed_statements if any(a.startswith("s3:") for a in _as_list(s["Action"]))
    ]
    data = [s for s in s3_statements if "StorageLens" not in s["Sid"]]
    assert [r for s in data for r in _as_list(s["Resource"])] == [
        f"arn:aws:s3:::{BUCKET}/{PREFIX}/*",
        f"arn:aws:s3:::{BUCKET}",
    ]
    assert not any("*" in a for s in s3_statements for a in _as_list(s["Action"]))
    # Storage Lens: listing has no resource type; reading names this account's configurations
    lens = {s["Sid"]: s["Resource"] for s in s3_statements if "StorageLens" in s["Sid"]}
    assert lens == {
        "ListStorageLens": "*",
        "ReadStorageLensConfiguration": "arn:aws:s3:*:123456789012:storage-lens/*",
    }


# ---------------------------------------------------------------------------------------------
# With SSE-KMS and the digest (SNS, Slack webhook in Secrets Manager or SSM) switched on.

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
IAM_ACTION_OF_OPTIONAL: Mapping[tuple[str, str], str] = {
    ("sns", "Publish"): "sns:Publish",
    ("secretsmanager", "GetSecretValue"): "secretsmanager:GetSecretValue",
    ("ssm", "GetParameter"): "ssm:GetParameter",
}


def iam_actions_with_kms(calls: Iterable[ApiCall]) -> set[str]:
    """Each call's own action, plus the KMS action S3 performs with the caller's permissions:
    GenerateDataKey for a PutObject with SSE-KMS, Decrypt for reading an SSE-KMS object back
    (Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys")."""
    actions = set()
    for call in calls:
        if (call.service, call.operation) in IAM_ACTION_OF_OPTIONAL:
            actions.add(IAM_ACTION_OF_OPTIONAL[(call.service, call.operation)])
            continue
        if call.iam_action:  # GetCallerIdentity needs no permission
            actions.add(call.iam_action)
        if call.operation == "PutObject" and call.params.get("SSEKMSKeyId"):
            actions.add("kms:GenerateDataKey")
        if call.operation == "GetObject":
            actions.add("kms:Decrypt")  # every object this run reads was written with the key
    return actions


def deployed_actions(parameters: Mapping[str, str]) -> set[str]:
    deployment = Deployment(load_template(), parameters, region="us-east-1")
    return {
        action
        for statement in deployment.resolve(role_statements_of_deployment(deployment))
        for action in _as_list(statement["Action"])
        if not action.startswith("logs:")
    }


def role_statements_of_deployment(deployment: Deployment) -> list[Any]:
    role = deployment.template["Resources"]["FunctionRole"]["Properties"]
    return role["Policies"][0]["PolicyDocument"]["Statement"]


@pytest.mark.parametrize("slack_in", ["secretsmanager", "ssm"])
def test_template_allows_exactly_the_calls_with_kms_and_the_digest(
    recorded, moto_endpoint: str, slack_in: str
) -> None:
    recorder, ce, s3, lens = recorded
    made = {
        service: boto3.client(service, region_name="us-east-1", endpoint_url=moto_endpoint)
        for service in ("sns", "secretsmanager", "ssm")
    }
    topic = made["sns"].create_topic(Name="finops")["TopicArn"]
    webhook = "http://127.0.0.1:9/services/closed"  # delivery fails; the read still happens
    env = {
        "DATA_BUCKET": BUCKET,
        "DATA_PREFIX": PREFIX,
        "COST_CATEGORY_NAME": CATEGORY,
        "SSE_KMS_KEY_ID": KEY_ARN,
        "DIGEST_CADENCE": "daily",
        "DIGEST_SNS_TOPIC_ARN": topic,
    }
    if slack_in == "secretsmanager":
        secret = made["secretsmanager"].create_secret(Name="slack", SecretString=webhook)["ARN"]
        env["DIGEST_SLACK_WEBHOOK_SECRET"] = secret
        parameters = {"SlackWebhookSecretArn": secret}
    else:
        made["ssm"].put_parameter(Name="/dapanoskop/slack", Value=webhook, Type="SecureString")
        env["DIGEST_SLACK_WEBHOOK_PARAMETER"] = "/dapanoskop/slack"
        parameters = {"SlackWebhookParameterName": "/dapanoskop/slack"}
    digest_recorder = CallRecorder(*made.values())

    # a backfill, a daily run, and a daily run that looks the cost category up
    without_category = {k: v for k, v in env.items() if k != "COST_CATEGORY_NAME"}
    for event, run_env in (
        ({"backfill": True, "months": 2}, env),
        ({}, env),
        ({}, without_category),
    ):
        answer = handle(
            event,
            run_env,
            lambda: NOW,
            ce_client=ce,
            s3_client=s3,
            clients=made.get,
            storage_lens_clients=lens.clients(),
        )
        assert answer["statusCode"] == 200, answer

    read = (
        ("secretsmanager", "GetSecretValue")
        if slack_in == "secretsmanager"
        else (
            "ssm",
            "GetParameter",
        )
    )
    # two daily runs, each publishing and reading the webhook once; the backfill sends nothing
    assert [(c.service, c.operation) for c in digest_recorder.calls] == 2 * [
        ("sns", "Publish"),
        read,
    ]
    calls = recorder.calls + digest_recorder.calls
    template_parameters = {
        "ExistingBucketName": BUCKET,
        "DataPrefix": PREFIX,
        "SseKmsKeyArn": KEY_ARN,
        "DigestCadence": "daily",
        "DigestTopicArn": topic,
        **parameters,
    }
    assert iam_actions_with_kms(calls) == deployed_actions(template_parameters)
