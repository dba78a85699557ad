"""Domain errors that carry a translatable message and an HTTP status.

Services raise these; the app turns them into JSON responses in the caller's
language (see :mod:`govhall.web.errors`). ``code`` is a stable machine-readable
name for API clients; ``message`` is a zh-CN message id translated on output.
"""

from __future__ import annotations

from typing import Any, ClassVar

from govhall.i18n import N_, translate


class FieldError:
    """One problem with one input field (a form field, a material, a parameter)."""

    __slots__ = ("field", "message", "params")

    def __init__(self, field: str, message: str, **params: Any) -> None:
        self.field = field
        self.message = message
        self.params = params

    def render(self, locale: str) -> dict[str, str]:
        return {"field": self.field, "message": translate(self.message, locale, **self.params)}


class GovhallError(Exception):
    """Base class: a problem the caller can understand and fix."""

    status_code: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.code = code or self.default_code
        self.errors = errors or []
        self.params = params

    def render(self, locale: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status_code": self.status_code,
            "code": self.code,
            "detail": translate(self.message, locale, **self.params),
        }
        if self.errors:
            body["errors"] = [error.render(locale) for error in self.errors]
        return body


class InvalidInput(GovhallError):
    status_code = 422
    default_code = "invalid_input"


class Unauthorized(GovhallError):
    status_code = 401
    default_code = "unauthorized"


class Forbidden(GovhallError):
    status_code = 403
    default_code = "forbidden"


class NotFound(GovhallError):
    status_code = 404
    default_code = "not_found"


class Conflict(GovhallError):
    status_code = 409
    default_code = "conflict"


class PayloadTooLarge(GovhallError):
    status_code = 413
    default_code = "payload_too_large"


class TooManyRequests(GovhallError):
    status_code = 429
    default_code = "too_many_requests"


class Unavailable(GovhallError):
    status_code = 503
    default_code = "unavailable"


def required_text(value: str, field: str, limit: int, message: str) -> str:
    """``value`` stripped; ``message`` (a zh-CN message id) when empty, and a
    length error naming ``limit`` when longer."""
    value = value.strip()
    if not value:
        raise InvalidInput(message, code="text_required", errors=[FieldError(field, message)])
    if len(value) > limit:
        problem = N_("内容不能超过 {limit} 个字")
        raise InvalidInput(
            problem,
            code="text_too_long",
            errors=[FieldError(field, problem, limit=limit)],
            limit=limit,
        )
    return value
