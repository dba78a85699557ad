"""Rendering portal pages: one Jinja2 environment over ``frontend/templates``, the
request's language (``?lang=`` remembered in a cookie, else Accept-Language), the
tenant's branding, and ``_()`` for every string (extracted by Babel's Jinja2
extractor, translated through the same catalogs as the API's messages).
Autoescaping is on for every template: text from anyone is escaped everywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.utils.scope.state import ScopeState

from govhall.i18n import SUPPORTED_LOCALES, Localized, negotiate_locale, translate

LANG_COOKIE = "govhall_lang"
#: Where a page belongs to no tenant (the operator console, sign-in): Beijing time.
DEFAULT_TIME_ZONE = "Asia/Shanghai"
#: Pages load scripts and styles only from govhall itself (no inline script: an
#: injected one would not run). Inline styles stay allowed for the tenant's colour
#: and HTMX's indicator styles; images may be data: URIs (tenant logos). No
#: form-action: signing in for another site (OpenID) ends in a redirect away.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


@lru_cache(maxsize=4)
def environment(templates: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def request_locale(request: Request[Any, Any, Any]) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    return negotiate_locale(request.headers.get("accept-language"))


def _signed_in_name(request: Request[Any, Any, Any]) -> str:
    """Who the masthead greets (the session is read, not required)."""
    session = request.scope.get("session")
    principal = session.get("principal") if isinstance(session, dict) else None
    return str(principal.get("name", "")) if isinstance(principal, dict) else ""


def render(
    request: Request[Any, Any, Any], template: str, status: int = 200, **context: Any
) -> Response[str]:
    locale = request_locale(request)
    settings = request.app.state.services.settings

    def gettext(text: str, **params: Any) -> str:
        return translate(text, locale, **params)

    def pick(zh: str, en: str = "") -> str:
        return Localized(zh, en).pick(locale)

    portal = context.get("portal")
    zone = ZoneInfo(portal.tenant.time_zone if portal is not None else DEFAULT_TIME_ZONE)

    def local(value: datetime | date | None, fmt: str | None = None) -> str:
        """A moment as people read it: in the tenant's time zone (ISO 8601 with the
        offset when no format is given, for ``<time datetime>``); "—" when empty."""
        if value is None:
            return "—"
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=UTC)
            value = moment.astimezone(zone)
        return value.isoformat() if fmt is None else value.strftime(fmt)

    html = (
        environment(settings.frontend_dir / "templates")
        .get_template(template)
        .render(
            _=gettext,
            pick=pick,
            local=local,
            locale=locale,
            csrf_token=ScopeState.from_scope(request.scope).csrf_token or "",
            path=request.url.path,
            signed_in=_signed_in_name(request),
            **context,
        )
    )
    response = Response(
        html,
        media_type="text/html; charset=utf-8",
        status_code=status,
        headers={
            "content-security-policy": CONTENT_SECURITY_POLICY,
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
        },
    )
    lang = request.query_params.get("lang")
    if lang in SUPPORTED_LOCALES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
