"""The serving errors: a bad request (typed, with its HTTP status) and a failing remote service."""

from __future__ import annotations

from ..errors import RewardCoreError

__all__ = ["ServingError", "BadRequestError", "PayloadTooLargeError", "RemoteRewardError", "ServeConfigError"]


class ServingError(RewardCoreError):
    """Base of the serving errors. `status` is the HTTP status the server answers with."""

    status = 500


class BadRequestError(ServingError, ValueError):
    """The request body is not what the endpoint takes; the message says what it takes (HTTP 400/422)."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class PayloadTooLargeError(BadRequestError):
    """The body or the batch exceeds the server's limit (`--max-body-mb`, `--max-batch`) (HTTP 413)."""

    status = 413


class ServeConfigError(ServingError):
    """The server cannot start as configured (an unsafe bind, a missing extra, a bad token file)."""


class RemoteRewardError(RewardCoreError):
    """The reward server refused a request (bad token, bad batch) or could not be reached at start-up.

    `status` is the HTTP status (None when no answer came), `error_type` the server's error type.
    """

    def __init__(self, message: str, status: int | None = None, error_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
