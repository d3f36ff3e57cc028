import pytest

from dapanoskop.settings import S3Destination, Settings, SettingsError


def test_defaults_from_a_minimal_environment() -> None:
    settings = Settings.from_env({"DATA_BUCKET": "cost-data"})
    assert settings == Settings(destination=S3Destination("cost-data", ""))
    assert settings.workload_tag_key == "App"
    assert settings.cost_metric == "UnblendedCost"
    assert settings.forecast_metric == "UNBLENDED_COST"
    assert settings.history_months == 13
    assert settings.mtd_settle_days == 1


def test_every_setting_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "DATA_BUCKET": "cost-data",
            "DATA_PREFIX": "/reports/aws/",
            "COST_CATEGORY_NAME": "Cost Center",
            "INCLUDE_EFS": "TRUE",
            "INCLUDE_EBS": "False",
            "WORKLOAD_TAG_KEY": "team:app",
            "COST_METRIC": "AmortizedCost",
            "CE_HISTORY_MONTHS": "38",
            "MTD_SETTLE_DAYS": "3",
        }
    )
    assert settings.destination == S3Destination("cost-data", "reports/aws")
    assert settings.cost_category_name == "Cost Center"
    assert settings.include_efs is True
    assert settings.include_ebs is False
    assert settings.workload_tag_key == "team:app"
    assert settings.forecast_metric == "AMORTIZED_COST"
    assert settings.history_months == 38
    assert settings.mtd_settle_days == 3


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DATA_BUCKET=None is not valid: accepted is an S3 bucket name"),
        ({"DATA_BUCKET": "Bad_Bucket"}, "DATA_BUCKET='Bad_Bucket' is not valid"),
        ({"DATA_PREFIX": "a//b"}, "DATA_PREFIX='a//b' is not valid"),
        ({"INCLUDE_EFS": "yes"}, "INCLUDE_EFS='yes' is not valid: accepted is true or false"),
        ({"INCLUDE_EBS": "1"}, "INCLUDE_EBS='1' is not valid: accepted is true or false"),
        ({"COST_METRIC": "UsageQuantity"}, "COST_METRIC='UsageQuantity' is not valid"),
        ({"WORKLOAD_TAG_KEY": "a$b"}, "WORKLOAD_TAG_KEY='a$b' is not valid"),
        ({"COST_CATEGORY_NAME": "Team/Cost"}, "COST_CATEGORY_NAME='Team/Cost' is not valid"),
        ({"CE_HISTORY_MONTHS": "39"}, "CE_HISTORY_MONTHS='39' is not valid"),
        ({"CE_HISTORY_MONTHS": "x"}, "CE_HISTORY_MONTHS='x' is not valid"),
        ({"MTD_SETTLE_DAYS": "4"}, "MTD_SETTLE_DAYS='4' is not valid: accepted is a whole"),
        ({"MTD_SETTLE_DAYS": "-1"}, "MTD_SETTLE_DAYS='-1' is not valid"),
        ({"MTD_SETTLE_DAYS": "²"}, "MTD_SETTLE_DAYS='²' is not valid"),
    ],
)
def test_bad_settings_name_variable_value_and_what_is_accepted(
    env: dict[str, str], message: str
) -> None:
    full = {"DATA_BUCKET": "cost-data", **env} if env else {}
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(full)
    assert message in str(caught.value)


def test_metric_error_lists_the_accepted_metrics() -> None:
    with pytest.raises(SettingsError, match="one of UnblendedCost, AmortizedCost, BlendedCost"):
        Settings.from_env({"DATA_BUCKET": "cost-data", "COST_METRIC": "bogus"})
