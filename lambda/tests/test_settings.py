import pytest

from dapanoskop.settings import Cadence, DigestSettings, S3Destination, Settings, SettingsError


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
        (
            {"STORAGE_LENS_CONFIG_ID": "my lens"},
            "STORAGE_LENS_CONFIG_ID='my lens' is not valid: accepted is a Storage Lens "
            "configuration id",
        ),
        # Digits that are not ASCII: "²" made int() raise a bare ValueError, "١٣" read as 13.
        ({"CE_HISTORY_MONTHS": "²"}, "CE_HISTORY_MONTHS='²' is not valid: accepted is a whole"),
        ({"CE_HISTORY_MONTHS": "١٣"}, "CE_HISTORY_MONTHS='١٣' is not valid: accepted is a whole"),
        ({"CE_HISTORY_MONTHS": "\uff11\uff13"}, "CE_HISTORY_MONTHS='\uff11\uff13' is not valid"),
        ({"CE_HISTORY_MONTHS": "+13"}, "CE_HISTORY_MONTHS='+13' is not valid"),
        ({"SSE_KMS_KEY_ID": "my key"}, "SSE_KMS_KEY_ID='my key' is not valid: accepted is a KMS"),
        ({"DIGEST_CADENCE": "weekly"}, "DIGEST_CADENCE='weekly' is not valid: accepted is off,"),
        ({"DIGEST_CADENCE": "weekly:funday"}, "DIGEST_CADENCE='weekly:funday' is not valid"),
        (
            {"DIGEST_CADENCE": "daily"},
            "DIGEST_CADENCE='daily' is not valid: accepted is off unless",
        ),
        ({"DIGEST_SNS_TOPIC_ARN": "my-topic"}, "DIGEST_SNS_TOPIC_ARN='my-topic' is not valid"),
        ({"REPORT_URL": "costs.example.org"}, "REPORT_URL='costs.example.org' is not valid"),
        (
            {"DIGEST_SLACK_WEBHOOK_SECRET": "s", "DIGEST_SLACK_WEBHOOK_PARAMETER": "/p"},
            "DIGEST_SLACK_WEBHOOK_PARAMETER='/p' is not valid: accepted is empty when",
        ),
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


@pytest.mark.parametrize(
    ("raw", "config_id", "enabled"),
    [
        ("", "", True),
        (" org-lens.v2 ", "org-lens.v2", True),
        ("off", "off", False),
        ("OFF", "off", False),
    ],
)
def test_storage_lens_setting(raw: str, config_id: str, enabled: bool) -> None:
    settings = Settings.from_env({"DATA_BUCKET": "cost-data", "STORAGE_LENS_CONFIG_ID": raw})
    assert settings.storage_lens_config_id == config_id
    assert settings.storage_lens_enabled is enabled


@pytest.mark.parametrize(
    "key",
    [
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        "alias/dapanoskop",
        "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws-cn:kms:cn-north-1:111122223333:alias/costs",
    ],
)
def test_sse_kms_key_id_accepts_what_s3_accepts(key: str) -> None:
    env = {"DATA_BUCKET": "cost-data", "SSE_KMS_KEY_ID": f" {key} "}
    assert Settings.from_env(env).sse_kms_key_id == key


def test_empty_sse_kms_key_id_means_sse_s3() -> None:
    assert Settings.from_env({"DATA_BUCKET": "b-1", "SSE_KMS_KEY_ID": ""}).sse_kms_key_id is None


def test_digest_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "DATA_BUCKET": "cost-data",
            "DIGEST_CADENCE": "Weekly:Monday",
            "DIGEST_SNS_TOPIC_ARN": "arn:aws:sns:eu-west-1:111122223333:costs",
            "DIGEST_SLACK_WEBHOOK_PARAMETER": "/dapanoskop/slack",
            "REPORT_URL": "https://costs.example.org/",
        }
    )
    digest = settings.digest
    assert (digest.cadence, digest.weekday) == (Cadence.WEEKLY, 0)
    assert digest.describe_cadence() == "weekly:monday"
    assert digest.sns_topic_arn == "arn:aws:sns:eu-west-1:111122223333:costs"
    assert digest.slack_webhook_parameter == "/dapanoskop/slack"
    assert digest.slack_webhook_secret is None
    assert digest.report_url == "https://costs.example.org/"


def test_digest_is_off_by_default() -> None:
    assert Settings.from_env({"DATA_BUCKET": "cost-data"}).digest == DigestSettings()
    assert not DigestSettings().enabled
