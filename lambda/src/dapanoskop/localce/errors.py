"""Refusals the local Cost Explorer sends back the way the real service does."""

from __future__ import annotations


class CostExplorerError(Exception):
    """An error answer: an AWS error code, its message and the HTTP status it travels with.

    The hook turns it into a JSON 1.1 error body (`{"__type": code, "Message": message}`), so
    botocore raises the modeled exception class (`client.exceptions.DataUnavailableException`)
    or a plain `ClientError` for unmodeled codes such as `ValidationException`.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def validation_error(message: str) -> CostExplorerError:
    """The service's answer to a request it cannot make sense of."""
    return CostExplorerError("ValidationException", message)


def data_unavailable(message: str = "Data is not available.") -> CostExplorerError:
    """The service's answer for dates outside retention or a forecast without enough history."""
    return CostExplorerError("DataUnavailableException", message)
