"""One-line explanations of the failures a user can fix, for the CLI.

Each says what went wrong and what to do; the traceback is left out because none of these
are bugs. An error we do not recognise returns None, so the caller lets it surface whole.
"""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import (
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.exceptions import ConnectionError as AwsConnectionError

from dapanoskop.costexplorer import CostExplorerError
from dapanoskop.store import StoreError

NO_CREDENTIALS = (
    "no AWS credentials found: run `aws configure` or `aws sso login`, or set AWS_PROFILE "
    "(try `dapanoskop demo` to see the output without an account)"
)
SSO_EXPIRED = "the AWS SSO session is missing or expired: run `aws sso login` and try again"
CE_NOT_ENABLED = (
    "Cost Explorer is not enabled for this account: open Billing and Cost Management > "
    "Cost Explorer once to enable it; data appears within 24 hours"
)
# IAM actions of the S3 operations the store calls (HeadObject is authorised as GetObject).
# Without s3:ListBucket, S3 answers a read of a missing object with "access denied" rather than
# "no such key", so a denied read may mean either action is missing.
_READ_ACTIONS = "s3:GetObject, or s3:ListBucket (without it S3 denies reads of missing objects)"
_S3_ACTIONS = {
    "PutObject": "s3:PutObject",
    "GetObject": _READ_ACTIONS,
    "HeadObject": _READ_ACTIONS,
    "ListObjectsV2": "s3:ListBucket",
}
_ACCESS_DENIED = ("AccessDenied", "AccessDeniedException", "403")
# Error codes with which AWS refuses credentials it does not accept (expired, unknown, wrong).
_BAD_CREDENTIALS = (
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
)


def explain(error: BaseException) -> str | None:
    """A one-line, actionable message for a known failure; None for anything else."""
    chain = list(_causes(error))
    for cause in chain:
        if isinstance(cause, NoCredentialsError | PartialCredentialsError):
            return NO_CREDENTIALS
        if isinstance(cause, UnauthorizedSSOTokenError | SSOTokenLoadError | TokenRetrievalError):
            return SSO_EXPIRED
        if isinstance(cause, ProfileNotFound | NoRegionError | SSOError):
            return f"AWS configuration problem: {cause}; check AWS_PROFILE and ~/.aws/config"
    client_error = next((c for c in chain if isinstance(c, ClientError)), None)
    if client_error is not None and _code(client_error) in _BAD_CREDENTIALS:
        return (
            f"AWS rejected the credentials ({_code(client_error)}): refresh them "
            "(`aws sso login`) or check AWS_PROFILE"
        )
    if isinstance(error, CostExplorerError):
        return _cost_explorer_message(error, chain, client_error)
    if isinstance(error, StoreError):
        return _store_message(error, chain, client_error)
    return None


def _cost_explorer_message(
    error: CostExplorerError, chain: list[BaseException], client_error: ClientError | None
) -> str:
    if client_error is not None and error.code in _ACCESS_DENIED:
        text = str(client_error.response.get("Error", {}).get("Message", ""))
        if "not enabled" in text.lower():
            return CE_NOT_ENABLED
        return (
            f"access denied by AWS: the credentials lack the IAM action ce:{error.operation}; "
            "grant it (see README, 'Use it on your AWS account')"
        )
    endpoint = _unreachable_endpoint(chain)
    if endpoint is not None:
        return f"cannot reach Cost Explorer at {endpoint}: check the network and proxy"
    return str(error)


def _store_message(
    error: StoreError, chain: list[BaseException], client_error: ClientError | None
) -> str:
    if client_error is not None:
        # The store's message is "cannot read s3://bucket/key: <botocore's text>"; keep the part
        # that says which object, the code below says why.
        what = str(error).replace(f": {client_error}", "")
        code = _code(client_error)
        if code in _ACCESS_DENIED:
            action = _S3_ACTIONS.get(
                client_error.operation_name, f"s3:{client_error.operation_name}"
            )
            return (
                f"access denied by AWS ({what}): the credentials lack the IAM action {action}; "
                "grant it (see README, 'Use it on your AWS account')"
            )
        if code == "NoSuchBucket":
            bucket = client_error.response.get("Error", {}).get("BucketName", "")
            name = f" {bucket}" if bucket else ""
            return f"the S3 bucket{name} does not exist ({what}): create it or correct the name"
    endpoint = _unreachable_endpoint(chain)
    if endpoint is not None:
        return (
            f"cannot reach S3 at {endpoint}: check the network, and AWS_ENDPOINT_URL_S3 / "
            "AWS_ENDPOINT_URL if set"
        )
    return str(error)


def _unreachable_endpoint(chain: list[BaseException]) -> str | None:
    """The URL botocore could not connect to (it retried first), or None."""
    for cause in chain:
        if isinstance(cause, AwsConnectionError):
            return str(getattr(cause, "kwargs", {}).get("endpoint_url", "its endpoint"))
    return None


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
