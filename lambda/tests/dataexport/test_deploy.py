"""deploy/template.yaml for each source: the settings the handler gets, and IAM only for what
the chosen source calls."""

from __future__ import annotations

from typing import Any

import pytest

from dapanoskop.settings import AthenaSettings, DataExportSettings, S3Destination
from tests.test_deploy_template import Deployment, function_settings, load_template

EXPORT = {
    "DataSource": "data-export",
    "DataExportBucket": "acme-cur",
    "DataExportPrefix": "cur/acme-export",
}
ATHENA = {
    **EXPORT,
    "QueryEngine": "athena",
    "AthenaDatabase": "cur_db",
    "AthenaTable": "acme_export",
    "AthenaWorkgroup": "finops",
    "AthenaResultsBucket": "acme-athena",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _statements(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """Sid -> statement of every policy the deployment gives the function's role."""
    resources = deployment.template["Resources"]
    statements = [
        s
        for policy in deployment.resolved_properties("FunctionRole")["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
    ]
    for name, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Policy" and deployment.creates(name):
            document = deployment.resolve(deployment.properties(name)["PolicyDocument"])
            statements += document["Statement"]
    return {s["Sid"]: s for s in statements}


def test_cost_explorer_deployment_cannot_touch_an_export_or_athena(template) -> None:
    sids = set(_statements(Deployment(template)))
    assert "ReadCostExplorer" in sids
    assert not sids & {"ReadDataExport", "ListDataExport", "RunAthenaQueries", "ReadExportTable"}


def test_export_deployment_reads_only_below_the_export_and_calls_no_cost_explorer(
    template,
) -> None:
    deployment = Deployment(template, EXPORT)
    statements = _statements(deployment)
    assert "ReadCostExplorer" not in statements
    assert statements["ReadDataExport"]["Resource"] == "arn:aws:s3:::acme-cur/cur/acme-export/*"
    assert statements["ListDataExport"]["Resource"] == "arn:aws:s3:::acme-cur"
    assert statements["ListDataExport"]["Condition"] == {
        "StringLike": {"s3:prefix": "cur/acme-export/*"}
    }
    assert "RunAthenaQueries" not in statements
    assert statements["ReadCostCategoryRules"]["Action"] == [
        "ce:ListCostCategoryDefinitions",
        "ce:DescribeCostCategoryDefinition",
    ]
    settings = function_settings(deployment)
    assert settings.data_export == DataExportSettings(S3Destination("acme-cur", "cur/acme-export"))


def test_athena_deployment_gets_its_workgroup_table_and_results_only(template) -> None:
    deployment = Deployment(template, ATHENA)
    statements = _statements(deployment)
    assert statements["RunAthenaQueries"]["Resource"] == (
        "arn:aws:athena:eu-central-1:123456789012:workgroup/finops"
    )
    assert statements["ReadExportTable"]["Resource"] == [
        "arn:aws:glue:eu-central-1:123456789012:catalog",
        "arn:aws:glue:eu-central-1:123456789012:database/cur_db",
        "arn:aws:glue:eu-central-1:123456789012:table/cur_db/acme_export",
    ]
    assert statements["WriteAthenaResults"]["Resource"] == (
        "arn:aws:s3:::acme-athena/dapanoskop-athena/*"
    )
    settings = function_settings(deployment)
    assert settings.data_export is not None
    assert settings.data_export.athena == AthenaSettings(
        database="cur_db",
        table="acme_export",
        workgroup="finops",
        output_location="s3://acme-athena/dapanoskop-athena/",
    )


def test_accounts_parameter_reaches_the_handler(template) -> None:
    assert function_settings(Deployment(template, {"IncludeAccounts": "true"})).include_accounts
    assert not function_settings(Deployment(template)).include_accounts
