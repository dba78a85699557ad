"""Who is using a portal page, and errors shown in its language next to fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar import Request

from govhall.errors import FieldError, GovhallError
from govhall.i18n import translate
from govhall.identity.tokens import Principal
from govhall.identity.websession import session_principal
from govhall.web.deps import require_account


def signed_in_account(request: Request[Any, Any, Any]) -> Principal | None:
    """The signed-in public account, None when signed out; 403 for staff (they use
    the workbench, and apply for walk-in applicants through agent application)."""
    found = session_principal(request)
    return require_account(found[0]) if found else None


def field_messages(errors: Iterable[FieldError], locale: str) -> dict[str, str]:
    """Field → its first message, in the page's language."""
    out: dict[str, str] = {}
    for error in errors:
        out.setdefault(error.field or "form", translate(error.message, locale, **error.params))
    return out


def error_messages(error: GovhallError, locale: str) -> dict[str, str]:
    """:func:`field_messages`, with the whole error's message under "form"."""
    out = field_messages(error.errors, locale)
    out.setdefault("form", translate(error.message, locale, **error.params))
    return out
