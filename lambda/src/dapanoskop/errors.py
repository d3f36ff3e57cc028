"""One-line explanations of the failures a user can fix, for the CLI.

Each says what went wrong and what to do; the traceback is left out because none of these
are bugs. An error we do not recognise returns None, so the caller lets it surface whole.
"""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from dapanoskop.costexplorer import CostExplorerError
from dapanoskop.store import StoreError

# IAM actions of the S3 operations the store calls (HeadObject is authorised as GetObject).
_S3_ACTIONS = {
    "PutObject": "s3:PutObject",
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "ListObjectsV2": "s3:ListBucket",
}
_ACCESS_DENIED = ("AccessDenied", "AccessDeniedException", "403")


def explain(error: BaseException) -> str | None:
    """A one-line, actionable message for a known failure; None for anything else."""
    chain = list(_causes(error))
    for cause in chain:
        if isinstance(cause, NoCredentialsError | PartialCredentialsError):
            return (
                "no AWS credentials found: run `aws configure` or `aws sso login`, or set "
                "AWS_PROFILE (try `dapanoskop demo` to see the output without an account)"
            )
        if isinstance(cause, ProfileNotFound | NoRegionError):
            return f"AWS configuration problem: {cause}; check AWS_PROFILE and ~/.aws/config"
    if isinstance(error, CostExplorerError):
        return _cost_explorer_message(error, chain)
    if isinstance(error, StoreError):
        return _store_message(error, chain)
    return None


def _cost_explorer_message(error: CostExplorerError, chain: list[BaseException]) -> str:
    client_error = next((c for c in chain if isinstance(c, ClientError)), None)
    if client_error is not None and error.code in _ACCESS_DENIED:
        text = str(client_error.response.get("Error", {}).get("Message", ""))
        if "not enabled" in text.lower():
            return (
                "Cost Explorer is not enabled for this account: open Billing and Cost "
                "Management > Cost Explorer once to enable it; data appears within 24 hours"
            )
        return (
            f"access denied by AWS: the credentials lack the IAM action ce:{error.operation}; "
            "grant it (see README, 'Use it on your AWS account')"
        )
    if any(isinstance(c, EndpointConnectionError) for c in chain):
        return "cannot reach Cost Explorer (ce.us-east-1.amazonaws.com): check network and proxy"
    return str(error)


def _store_message(error: StoreError, chain: list[BaseException]) -> str:
    client_error = next((c for c in chain if isinstance(c, ClientError)), None)
    if client_error is not None:
        code = str(client_error.response.get("Error", {}).get("Code", ""))
        operation = client_error.operation_name
        if code in _ACCESS_DENIED:
            action = _S3_ACTIONS.get(operation, f"s3:{operation}")
            return (
                f"access denied by AWS: the credentials lack the IAM action {action} "
                f"({error}); grant it on the bucket"
            )
        if code == "NoSuchBucket":
            return f"the bucket does not exist: {error}; create it or fix --output"
    if any(isinstance(c, EndpointConnectionError) for c in chain):
        return f"cannot reach S3: {error}; check --output, network and AWS_ENDPOINT_URL"
    return str(error)


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
