"""The one error type for mistakes a person can cause: shown as a form message or an RFC 9457 problem."""

from __future__ import annotations


class DomainError(Exception):
    """A refused request: bad input, a rule that forbids it, a state that does not allow it (HTTP 4xx)."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field


class NotFound(DomainError):
    """Missing, or not yours: the same answer for both (SECURITY.md Authorization)."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
