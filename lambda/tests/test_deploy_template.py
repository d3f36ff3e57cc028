"""deploy/template.yaml: lint-clean, secure by default, and consistent with the handler.

The template is checked the way CloudFormation would read it: a small evaluator resolves
Ref / Fn::Sub / Fn::If / Fn::GetAtt for given parameter values, so the tests assert the ARNs,
environment and policies a deployment would really get.

`template_iam_actions()` is the helper the API-call recording test compares against.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode
from hypothesis import given
from hypothesis import strategies as st

from dapanoskop.periods import DEFAULT_SETTLE_DAYS
from dapanoskop.settings import (
    COST_METRICS,
    DEFAULT_HISTORY_MONTHS,
    MAX_HISTORY_MONTHS,
    MAX_SETTLE_DAYS,
    S3Destination,
    Settings,
    s3_destination,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "deploy" / "template.yaml"
ROLE_ID = "FunctionRole"
FUNCTION_ID = "Function"
BUCKET_ID = "DataBucket"
LOG_GROUP_ID = "FunctionLogGroup"
TOPIC_ID = "NotificationTopic"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as CloudFormation reads it (short-form tags become Fn::* / Ref dicts)."""
    template, problems = decode(str(path))
    if problems:
        raise ValueError(f"{path} does not parse: {problems}")
    return template


def role_statements(template: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every statement of the function role's inline policies, conditional ones included.

    A conditional statement is `Fn::If [condition, statement, AWS::NoValue]` (or a nested
    Fn::If); each statement it can become is listed, unresolved, so the set of actions is what
    the role may ever be granted. `Deployment.resolve` gives the statements of one deployment.
    """
    policies = template["Resources"][ROLE_ID]["Properties"]["Policies"]
    return [
        statement
        for policy in policies
        for node in _as_list(policy["PolicyDocument"]["Statement"])
        for statement in _branches(node)
    ]


def _branches(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict) and set(node) == {"Fn::If"}:
        _, when_true, when_false = node["Fn::If"]
        return _branches(when_true) + _branches(when_false)
    if node == {"Ref": "AWS::NoValue"}:
        return []
    return [node]


def template_iam_actions(
    template: Mapping[str, Any] | None = None,
    services: tuple[str, ...] = ("ce", "s3", "cloudwatch"),
) -> set[str]:
    """The IAM actions the function role allows for `services`, e.g. {"ce:GetCostAndUsage"}."""
    statements = role_statements(template if template is not None else load_template())
    return {
        action
        for statement in statements
        if statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"])
        if action.split(":", 1)[0] in services
    }


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------------------------
# A minimal CloudFormation evaluator: enough intrinsics for this template, nothing more.

GENERATED_BUCKET = "stack-databucket-1a2b3c4d5e6f"
NO_VALUE = object()  # Ref AWS::NoValue: the list item or property disappears
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


@dataclass
class Deployment:
    """The template evaluated for one set of parameter values in one region."""

    template: Mapping[str, Any]
    parameters: Mapping[str, str] = field(default_factory=dict)
    region: str = "eu-central-1"
    account: str = "123456789012"
    stack: str = "dapanoskop"

    def parameter(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        return str(self.template["Parameters"][name]["Default"])

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::StackName": self.stack,
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template["Parameters"]:
            return self.parameter(name)
        if name == BUCKET_ID:
            return GENERATED_BUCKET
        if name == LOG_GROUP_ID:
            return self.resolve(self.properties(LOG_GROUP_ID)["LogGroupName"])
        if name == FUNCTION_ID:
            return f"{self.stack}-Function-ABC123"
        if name == TOPIC_ID:
            return f"arn:aws:sns:{self.region}:{self.account}:{self.stack}-NotificationTopic-XYZ"
        raise KeyError(f"Ref {name} is not modelled")

    def get_att(self, resource: str, attribute: str) -> str:
        arns = {
            (BUCKET_ID, "Arn"): f"arn:aws:s3:::{self.ref(BUCKET_ID)}",
            (LOG_GROUP_ID, "Arn"): (
                f"arn:aws:logs:{self.region}:{self.account}:log-group:{self.ref(LOG_GROUP_ID)}:*"
            ),
            (ROLE_ID, "Arn"): f"arn:aws:iam::{self.account}:role/{self.stack}-FunctionRole",
            (FUNCTION_ID, "Arn"): (
                f"arn:aws:lambda:{self.region}:{self.account}:function:{self.ref(FUNCTION_ID)}"
            ),
        }
        return arns[(resource, attribute)]

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: self.resolve(value) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return str(values[name])
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, text)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, argument),) = node.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::Sub":
                return self.sub(argument)
            if key == "Fn::GetAtt":
                resource, attribute = (
                    argument.split(".", 1) if isinstance(argument, str) else argument
                )
                return self.get_att(resource, attribute)
            if key == "Fn::If":
                name, when_true, when_false = argument
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Equals":
                left, right = self.resolve(argument)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key == "Fn::And":
                return all(self.resolve(item) for item in argument)
            if key == "Fn::Or":
                return any(self.resolve(item) for item in argument)
            if key == "Condition":
                return self.condition(argument)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def properties(self, resource: str) -> dict[str, Any]:
        return self.template["Resources"][resource]["Properties"]

    def resolved_properties(self, resource: str) -> dict[str, Any]:
        return self.resolve(self.properties(resource))

    def creates(self, resource: str) -> bool:
        condition = self.template["Resources"][resource].get("Condition")
        return condition is None or self.condition(condition)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def statement(deployment: Deployment, sid: str) -> dict[str, Any]:
    (found,) = [s for s in role_statements(deployment.template) if s.get("Sid") == sid]
    return deployment.resolve(found)


# ---------------------------------------------------------------------------------------------
# Lint


def test_cfn_lint_reports_nothing() -> None:
    # what the cfn-lint console script runs; cfnlint has no __main__ module
    run_cfn_lint = "import sys, cfnlint.runner; sys.exit(cfnlint.runner.main())"
    result = subprocess.run(
        [sys.executable, "-c", run_cfn_lint, str(TEMPLATE_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


# ---------------------------------------------------------------------------------------------
# IAM: exactly the calls the code makes, S3 scoped to the bucket and prefix


def test_iam_actions_are_the_cost_explorer_and_s3_calls_of_the_pipeline(template) -> None:
    # The calls the code makes (to be confirmed by the test that records real API calls):
    # GetCostAndUsage, GetCostForecast, GetCostCategories, the cost category's definition
    # (List/Describe, for split charges); GetObject/HeadObject, PutObject (plain and
    # conditional); ListBucket so that a missing key is a 404, not a 403; S3 Storage Lens
    # (unless off): its configurations and its CloudWatch metrics.
    assert template_iam_actions(template) == {
        "ce:GetCostAndUsage",
        "ce:GetCostForecast",
        "ce:GetCostCategories",
        "ce:ListCostCategoryDefinitions",
        "ce:DescribeCostCategoryDefinition",
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        *STORAGE_LENS_ACTIONS,
    }


STORAGE_LENS_ACTIONS = {
    "s3:ListStorageLensConfigurations",
    "s3:GetStorageLensConfiguration",
    "cloudwatch:ListMetrics",
    "cloudwatch:GetMetricData",
}
STORAGE_LENS_STATEMENTS = {
    "ListStorageLens",
    "ReadStorageLensConfiguration",
    "ReadStorageLensMetrics",
}


def test_storage_lens_off_grants_nothing_for_it(template) -> None:
    off = resolved_statements(Deployment(template, {"StorageLensConfigId": "off"}))
    assert set(off) & STORAGE_LENS_STATEMENTS == set()


def test_a_configured_storage_lens_id_is_read_but_never_listed(template) -> None:
    deployment = Deployment(template, {"StorageLensConfigId": "org-lens"})
    statements = resolved_statements(deployment)
    assert set(statements) & STORAGE_LENS_STATEMENTS == {
        "ReadStorageLensConfiguration",
        "ReadStorageLensMetrics",
    }
    assert statements["ReadStorageLensConfiguration"]["Resource"] == (
        "arn:aws:s3:*:123456789012:storage-lens/org-lens"
    )
    assert statements["ReadStorageLensMetrics"]["Action"] == [
        "cloudwatch:ListMetrics",
        "cloudwatch:GetMetricData",
    ]


def test_discovering_storage_lens_lists_and_reads_any_configuration_of_the_account(
    template,
) -> None:
    statements = resolved_statements(Deployment(template))
    assert statements["ListStorageLens"]["Action"] == ["s3:ListStorageLensConfigurations"]
    assert statements["ReadStorageLensConfiguration"]["Resource"] == (
        "arn:aws:s3:*:123456789012:storage-lens/*"
    )


OPTIONAL_SERVICES = ("kms", "sns", "secretsmanager", "ssm")
ALL_SERVICES = ("ce", "s3", "cloudwatch", "logs", *OPTIONAL_SERVICES)


def test_role_allows_nothing_but_cost_explorer_s3_its_logs_and_the_optional_targets(
    template,
) -> None:
    all_actions = template_iam_actions(template, services=ALL_SERVICES)
    assert all_actions - template_iam_actions(template) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "kms:GenerateDataKey",
        "kms:Decrypt",
        "sns:Publish",
        "secretsmanager:GetSecretValue",
        "ssm:GetParameter",
    }
    policy = template["Resources"][ROLE_ID]["Properties"]["Policies"][0]["PolicyDocument"]
    statements = policy["Statement"]
    assert len(role_statements(template)) == len(statements) + 1  # PublishDigest has 2 forms
    assert all(s["Effect"] == "Allow" for s in role_statements(template))
    assert not any("*" in action for action in all_actions)
    assert [list(p) for p in template["Resources"][ROLE_ID]["Properties"]["Policies"]] == [
        ["PolicyName", "PolicyDocument"]
    ]
    assert "ManagedPolicyArns" not in template["Resources"][ROLE_ID]["Properties"]


def test_only_cost_explorer_has_a_wildcard_resource(template) -> None:
    deployment = Deployment(template)
    wildcard = [
        statement["Sid"]
        for statement in deployment.resolve(role_statements(template))
        if "*" in _as_list(statement["Resource"])
    ]
    # Cost Explorer, listing Storage Lens configurations and reading CloudWatch metrics have
    # no resource-level permissions.
    assert wildcard == ["ReadCostExplorer", "ListStorageLens", "ReadStorageLensMetrics"]


def test_s3_access_is_scoped_to_the_created_bucket(template) -> None:
    deployment = Deployment(template)
    assert statement(deployment, "ReadWriteDataObjects")["Resource"] == (
        f"arn:aws:s3:::{GENERATED_BUCKET}/*"
    )
    assert statement(deployment, "ListDataBucket")["Resource"] == f"arn:aws:s3:::{GENERATED_BUCKET}"


def test_s3_access_is_scoped_to_an_existing_bucket_and_prefix(template) -> None:
    deployment = Deployment(
        template, {"ExistingBucketName": "acme-costs", "DataPrefix": "reports/aws"}
    )
    assert not deployment.creates(BUCKET_ID)
    assert not deployment.creates("DataBucketPolicy")
    objects = statement(deployment, "ReadWriteDataObjects")
    assert objects["Action"] == ["s3:GetObject", "s3:PutObject"]
    # reports/aws/* and not reports/aws* (which would also match reports/aws-other/...)
    assert objects["Resource"] == "arn:aws:s3:::acme-costs/reports/aws/*"
    assert statement(deployment, "ListDataBucket")["Resource"] == "arn:aws:s3:::acme-costs"


def test_s3_statements_name_a_bucket_in_every_resource(template) -> None:
    for parameters in ({}, {"ExistingBucketName": "acme-costs", "DataPrefix": "a/b"}):
        deployment = Deployment(template, parameters)
        for s3_statement in deployment.resolve(role_statements(template)):
            if s3_statement["Sid"] in STORAGE_LENS_STATEMENTS:
                continue  # configurations, not objects: tested above
            if any(action.startswith("s3:") for action in _as_list(s3_statement["Action"])):
                for resource in _as_list(s3_statement["Resource"]):
                    assert re.fullmatch(r"arn:aws:s3:::[a-z0-9.-]+(/.+)?", resource), resource


def test_logs_go_only_to_the_stacks_log_group(template) -> None:
    deployment = Deployment(template, region="eu-west-1", account="111122223333", stack="costs")
    logs = statement(deployment, "WriteOwnLogs")
    assert logs["Resource"] == "arn:aws:logs:eu-west-1:111122223333:log-group:/dapanoskop/costs:*"
    function = deployment.resolved_properties(FUNCTION_ID)
    assert function["LoggingConfig"]["LogGroup"] == "/dapanoskop/costs"


# ---------------------------------------------------------------------------------------------
# Bucket


def test_created_bucket_is_versioned_encrypted_private_and_owner_enforced(template) -> None:
    deployment = Deployment(template, {"NoncurrentVersionExpirationDays": "45"})
    assert deployment.creates(BUCKET_ID)
    bucket = deployment.resolved_properties(BUCKET_ID)
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": "45"}


def test_created_bucket_survives_stack_deletion(template) -> None:
    resource = template["Resources"][BUCKET_ID]
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_bucket_policy_denies_every_request_without_tls(template) -> None:
    deployment = Deployment(template)
    policy = deployment.resolved_properties("DataBucketPolicy")
    assert policy["Bucket"] == GENERATED_BUCKET
    (deny,) = policy["PolicyDocument"]["Statement"]
    assert deny == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{GENERATED_BUCKET}", f"arn:aws:s3:::{GENERATED_BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


# ---------------------------------------------------------------------------------------------
# Function


def test_function_runs_the_handler_on_python312_arm64_one_at_a_time(template) -> None:
    function = Deployment(template).resolved_properties(FUNCTION_ID)
    assert function["Handler"] == "dapanoskop.handler.handler"
    assert function["Runtime"] == "python3.12"
    assert function["Architectures"] == ["arm64"]
    assert function["ReservedConcurrentExecutions"] == 1
    assert function["Role"] == "arn:aws:iam::123456789012:role/dapanoskop-FunctionRole"


def test_code_uri_is_the_zip_that_make_package_builds(template) -> None:
    code_uri = template["Resources"][FUNCTION_ID]["Properties"]["CodeUri"]
    built = REPO_ROOT / "dist" / "dapanoskop-lambda.zip"  # deploy/package.py DEFAULT_OUTPUT
    assert (TEMPLATE_PATH.parent / code_uri).resolve() == built


def test_memory_timeout_and_log_retention_come_from_parameters(template) -> None:
    deployment = Deployment(
        template, {"MemorySize": "1024", "Timeout": "900", "LogRetentionDays": "30"}
    )
    function = deployment.resolved_properties(FUNCTION_ID)
    assert (function["MemorySize"], function["Timeout"]) == ("1024", "900")
    assert deployment.resolved_properties(LOG_GROUP_ID)["RetentionInDays"] == "30"
    defaults = Deployment(template)
    function = defaults.resolved_properties(FUNCTION_ID)
    assert (function["MemorySize"], function["Timeout"]) == ("2048", "900")
    assert defaults.resolved_properties(LOG_GROUP_ID)["RetentionInDays"] == "90"


def test_pandas_layer_is_the_public_layer_of_the_stacks_region(template) -> None:
    function = Deployment(template, region="ap-southeast-2").resolved_properties(FUNCTION_ID)
    assert function["Layers"] == [
        "arn:aws:lambda:ap-southeast-2:336392948345:layer:AWSSDKPandas-Python312-Arm64:26"
    ]
    pinned = Deployment(template, {"PandasLayerVersion": "31"}, region="us-east-1")
    assert pinned.resolved_properties(FUNCTION_ID)["Layers"] == [
        "arn:aws:lambda:us-east-1:336392948345:layer:AWSSDKPandas-Python312-Arm64:31"
    ]
    own_layer = "arn:aws:lambda:ap-east-1:839552336658:layer:AWSSDKPandas-Python312-Arm64:9"
    override = Deployment(template, {"PandasLayerArn": own_layer}, region="ap-east-1")
    assert override.resolved_properties(FUNCTION_ID)["Layers"] == [own_layer]


def test_daily_schedule_defaults_to_six_utc(template) -> None:
    events = Deployment(template).resolved_properties(FUNCTION_ID)["Events"]
    assert events == {
        "Daily": {
            "Type": "Schedule",
            "Properties": {
                "Description": events["Daily"]["Properties"]["Description"],
                "Schedule": "cron(0 6 * * ? *)",
                "Enabled": True,
            },
        }
    }


# ---------------------------------------------------------------------------------------------
# Parameters <-> handler settings


def function_settings(deployment: Deployment) -> Settings:
    """What the handler reads from the environment the template gives it."""
    return Settings.from_env(
        deployment.resolved_properties(FUNCTION_ID)["Environment"]["Variables"]
    )


def test_default_parameters_give_the_handlers_default_settings(template) -> None:
    assert function_settings(Deployment(template)) == Settings(
        destination=S3Destination(GENERATED_BUCKET, "")
    )


def test_every_parameter_reaches_the_handler(template) -> None:
    deployment = Deployment(
        template,
        {
            "ExistingBucketName": "acme-costs",
            "DataPrefix": "reports/aws",
            "CostCategoryName": "Cost Center",
            "IncludeEfs": "true",
            "IncludeEbs": "true",
            "WorkloadTagKey": "team:app",
            "CostMetric": "NetAmortizedCost",
            "CeHistoryMonths": "38",
            "MtdSettleDays": "0",
            "StorageLensConfigId": "org-lens",
        },
    )
    assert function_settings(deployment) == Settings(
        destination=S3Destination("acme-costs", "reports/aws"),
        cost_category_name="Cost Center",
        include_efs=True,
        include_ebs=True,
        workload_tag_key="team:app",
        cost_metric="NetAmortizedCost",
        history_months=38,
        mtd_settle_days=0,
        storage_lens_config_id="org-lens",
    )


KEY_ARN = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:dapanoskop/slack-AbCdEf"
TOPIC_ARN = "arn:aws:sns:eu-central-1:123456789012:finops"


def resolved_statements(deployment: Deployment) -> dict[str, dict[str, Any]]:
    statements = deployment.resolve(
        deployment.template["Resources"][ROLE_ID]["Properties"]["Policies"][0]["PolicyDocument"][
            "Statement"
        ]
    )
    return {s["Sid"]: s for s in statements}


def test_default_deployment_grants_no_kms_sns_secret_or_parameter(template) -> None:
    assert set(resolved_statements(Deployment(template))) == {
        "ReadCostExplorer",
        "ReadWriteDataObjects",
        "ListDataBucket",
        "WriteOwnLogs",
        *STORAGE_LENS_STATEMENTS,  # on by default (discovery), off with StorageLensConfigId=off
    }
    assert not Deployment(template).creates(TOPIC_ID)


def test_kms_key_is_used_for_every_object_and_granted_on_that_key_only(template) -> None:
    deployment = Deployment(template, {"SseKmsKeyArn": KEY_ARN})
    assert function_settings(deployment).sse_kms_key_id == KEY_ARN
    assert resolved_statements(deployment)["UseDataKey"] == {
        "Sid": "UseDataKey",
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": KEY_ARN,
    }
    [rule] = deployment.resolved_properties(BUCKET_ID)["BucketEncryption"][
        "ServerSideEncryptionConfiguration"
    ]
    assert rule == {
        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN},
        "BucketKeyEnabled": True,
    }


def test_digest_to_the_stacks_topic_and_a_slack_secret(template) -> None:
    deployment = Deployment(
        template,
        {
            "NotificationEmail": "finops@example.org",
            "DigestCadence": "weekly:monday",
            "SlackWebhookSecretArn": SECRET_ARN,
            "ReportUrl": "https://costs.example.org/",
        },
    )
    topic = deployment.ref(TOPIC_ID)
    digest = function_settings(deployment).digest
    assert (digest.describe_cadence(), digest.sns_topic_arn) == ("weekly:monday", topic)
    assert (digest.slack_webhook_secret, digest.report_url) == (
        SECRET_ARN,
        "https://costs.example.org/",
    )
    statements = resolved_statements(deployment)
    assert statements["PublishDigest"]["Resource"] == topic
    assert statements["PublishDigest"]["Action"] == "sns:Publish"
    assert statements["ReadSlackWebhookSecret"]["Resource"] == SECRET_ARN
    assert "ReadSlackWebhookParameter" not in statements
    assert deployment.resolved_properties(TOPIC_ID)["Subscription"] == [
        {"Protocol": "email", "Endpoint": "finops@example.org"}
    ]


def test_digest_to_a_given_topic_and_an_ssm_parameter(template) -> None:
    deployment = Deployment(
        template,
        {
            "DigestCadence": "monthly",
            "DigestTopicArn": TOPIC_ARN,
            "SlackWebhookParameterName": "/dapanoskop/slack",
        },
    )
    digest = function_settings(deployment).digest
    assert (digest.sns_topic_arn, digest.slack_webhook_parameter) == (
        TOPIC_ARN,
        "/dapanoskop/slack",
    )
    statements = resolved_statements(deployment)
    assert statements["PublishDigest"]["Resource"] == TOPIC_ARN
    assert statements["ReadSlackWebhookParameter"]["Resource"] == (
        "arn:aws:ssm:eu-central-1:123456789012:parameter/dapanoskop/slack"
    )
    assert not deployment.creates(TOPIC_ID)


def test_digest_cadences_of_the_template_are_the_handlers(template) -> None:
    for cadence in template["Parameters"]["DigestCadence"]["AllowedValues"]:
        env = {"DATA_BUCKET": "b-1", "DIGEST_CADENCE": cadence, "DIGEST_SNS_TOPIC_ARN": TOPIC_ARN}
        assert Settings.from_env(env).digest.describe_cadence() == cadence


def test_a_digest_without_a_target_cannot_be_deployed(template) -> None:
    rule = template["Rules"]["DigestNeedsATarget"]
    for parameters, holds in [
        ({"DigestCadence": "daily"}, False),
        ({"DigestCadence": "daily", "NotificationEmail": "a@b.org"}, True),
        ({"DigestCadence": "daily", "SlackWebhookParameterName": "/p"}, True),
        ({"DigestCadence": "off"}, True),
    ]:
        deployment = Deployment(template, parameters)
        applies = deployment.resolve(rule["RuleCondition"])
        assertion = deployment.resolve(rule["Assertions"][0]["Assert"])
        assert (not applies or assertion) is holds, parameters


def test_failed_scheduled_runs_are_not_retried(template) -> None:
    properties = Deployment(template).resolved_properties(FUNCTION_ID)
    assert properties["EventInvokeConfig"] == {"MaximumRetryAttempts": 0}


def test_errors_alarm_fires_on_any_failed_invocation(template) -> None:
    deployment = Deployment(template, {"NotificationEmail": "finops@example.org"})
    alarm = deployment.resolved_properties("FunctionErrorsAlarm")
    assert {k: alarm[k] for k in alarm if k != "AlarmDescription"} == {
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Dimensions": [{"Name": "FunctionName", "Value": deployment.ref(FUNCTION_ID)}],
        "Statistic": "Sum",
        "Period": 3600,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [deployment.ref(TOPIC_ID)],
    }
    assert "AlarmActions" not in Deployment(template).resolved_properties("FunctionErrorsAlarm")


def test_no_successful_run_for_36_hours_raises_an_alarm(template) -> None:
    from dapanoskop.metrics import DIMENSION, NAMESPACE

    deployment = Deployment(template, {"NotificationEmail": "finops@example.org"})
    alarm = deployment.resolved_properties("NoSuccessfulRunAlarm")
    # The function's own EMF metric, under the dimension the handler writes.
    assert (alarm["Namespace"], alarm["MetricName"]) == (NAMESPACE, "RunSucceeded")
    assert alarm["Dimensions"] == [{"Name": DIMENSION, "Value": deployment.ref(FUNCTION_ID)}]
    # 36 hourly periods, every one without a success (missing data counts as none).
    assert alarm["Period"] * alarm["EvaluationPeriods"] == 36 * 3600
    assert alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"]
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "Sum",
        "LessThanThreshold",
        1,
    )
    assert alarm["TreatMissingData"] == "breaching"
    # Periods of an hour or more allow at most 7 days of evaluation (PutMetricAlarm).
    assert alarm["Period"] >= 3600 and alarm["Period"] * alarm["EvaluationPeriods"] <= 604800
    assert alarm["AlarmActions"] == [deployment.ref(TOPIC_ID)]


def test_enumerable_parameters_allow_exactly_what_the_handler_accepts(template) -> None:
    parameters = template["Parameters"]
    assert parameters["CostMetric"]["AllowedValues"] == list(COST_METRICS)
    assert parameters["IncludeEfs"]["AllowedValues"] == ["true", "false"]
    assert parameters["IncludeEbs"]["AllowedValues"] == ["true", "false"]
    months = parameters["CeHistoryMonths"]
    assert (months["MinValue"], months["MaxValue"], months["Default"]) == (
        1,
        MAX_HISTORY_MONTHS,
        DEFAULT_HISTORY_MONTHS,
    )
    settle = parameters["MtdSettleDays"]
    assert (settle["MinValue"], settle["MaxValue"], settle["Default"]) == (
        0,
        MAX_SETTLE_DAYS,
        DEFAULT_SETTLE_DAYS,
    )


def allowed(parameter: str) -> st.SearchStrategy[str]:
    """Values CloudFormation lets through for `parameter` (its AllowedPattern)."""
    pattern = load_template()["Parameters"][parameter]["AllowedPattern"]
    return st.from_regex(pattern, fullmatch=True)


@given(bucket=allowed("ExistingBucketName"), prefix=allowed("DataPrefix"))
def test_any_deployable_bucket_and_prefix_is_accepted_by_the_handler(bucket, prefix) -> None:
    destination = s3_destination(bucket or "generated-bucket", prefix)
    assert destination.prefix == prefix


@given(category=allowed("CostCategoryName"), tag_key=allowed("WorkloadTagKey"))
def test_any_deployable_category_and_tag_key_is_accepted_by_the_handler(category, tag_key) -> None:
    settings = Settings.build(
        S3Destination("cost-data"),
        {"COST_CATEGORY_NAME": category, "WORKLOAD_TAG_KEY": tag_key},
    )
    assert settings.cost_category_name == (category or None)
    assert settings.workload_tag_key == tag_key


# ---------------------------------------------------------------------------------------------
# Outputs


def test_outputs_name_the_bucket_location_and_function(template) -> None:
    deployment = Deployment(template, {"ExistingBucketName": "acme-costs", "DataPrefix": "r/aws"})
    outputs = {
        name: output["Value"] for name, output in deployment.resolve(template["Outputs"]).items()
    }
    assert outputs["DataBucketName"] == "acme-costs"
    assert outputs["DataLocation"] == "s3://acme-costs/r/aws/"
    assert outputs["FunctionName"] == "dapanoskop-Function-ABC123"
    assert outputs["FunctionArn"] == (
        "arn:aws:lambda:eu-central-1:123456789012:function:dapanoskop-Function-ABC123"
    )
    assert Deployment(template).resolve(template["Outputs"]["DataLocation"]["Value"]) == (
        f"s3://{GENERATED_BUCKET}/"
    )


def test_one_slack_webhook_source_at_a_time(template) -> None:
    rule = template["Rules"]["OneSlackWebhook"]
    for parameters, holds in [
        ({}, True),
        ({"SlackWebhookSecretArn": SECRET_ARN}, True),
        ({"SlackWebhookParameterName": "/p"}, True),
        ({"SlackWebhookSecretArn": SECRET_ARN, "SlackWebhookParameterName": "/p"}, False),
    ]:
        deployment = Deployment(template, parameters)
        assert bool(deployment.resolve(rule["Assertions"][0]["Assert"])) is holds, parameters
