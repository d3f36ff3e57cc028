"""Page tokens: opaque to callers, but carrying the position and a digest of the request.

The digest lets a later page detect that the caller changed other parameters between pages
(RequestChangedException); a token that does not decode is an InvalidNextTokenException.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from dapanoskop.localce.errors import CostExplorerError

_VERSION = 1


def request_digest(params: Mapping[str, Any]) -> str:
    """A digest of every request parameter except the page token (key order does not matter)."""
    rest = {key: value for key, value in params.items() if key != "NextPageToken"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def encode_token(digest: str, period: int, offset: int) -> str:
    """The token for the page that starts at group `offset` of result period `period`."""
    payload = json.dumps({"v": _VERSION, "d": digest, "p": period, "o": offset})
    return base64.urlsafe_b64encode(payload.encode()).decode()


def decode_token(token: str, digest: str) -> tuple[int, int]:
    """(period, offset) from a token issued for this same request."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        fields = (payload["v"], payload["d"], payload["p"], payload["o"])
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeError) as error:
        raise invalid_token() from error
    version, token_digest, period, offset = fields
    if version != _VERSION or not isinstance(period, int) or not isinstance(offset, int):
        raise invalid_token()
    if period < 0 or offset < 0:
        raise invalid_token()
    if token_digest != digest:
        raise CostExplorerError(
            "RequestChangedException",
            "Your request parameters changed between pages. Try again with the old parameters "
            "or without a pagination token.",
        )
    return period, offset


def invalid_token() -> CostExplorerError:
    """The service's answer to a token it did not issue."""
    return CostExplorerError(
        "InvalidNextTokenException",
        "The pagination token is invalid. Try again without a pagination token.",
    )
