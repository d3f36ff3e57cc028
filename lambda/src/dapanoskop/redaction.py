"""No AWS account id in a log line or an answer: 12-digit runs become REDACTED.

Account ids reach messages from many places (ARNs in AWS error messages, bucket names such as
`costs-123456789012`, S3 paths), so redacting at each call site is bound to miss one. Instead
every record of a `dapanoskop` logger is redacted when it is created (`install`), and the
handler redacts its answers and the errors it raises.
"""

from __future__ import annotations

import logging
import re
from typing import Any

ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
REDACTED = "REDACTED"
_LOGGER_NAME = "dapanoskop"


def redact(text: str) -> str:
    """Replace AWS account ids (any 12 digits standing alone) so text can be shared safely."""
    return ACCOUNT_ID.sub(REDACTED, text)


def _is_ours(name: str) -> bool:
    return name == _LOGGER_NAME or name.startswith(_LOGGER_NAME + ".")


def install() -> None:
    """Redact every log record of the `dapanoskop` loggers, once per process.

    A record factory (not a handler filter) so it holds whatever handlers are configured: the
    Lambda runtime's, the CLI's, pytest's. Records of other loggers are left alone.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_account_ids", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _is_ours(record.name):
            message = record.getMessage()
            redacted = redact(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return record

    factory.redacts_account_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
