"""Turn every error into a JSON body in the caller's language.

Domain errors carry their own message; framework errors (malformed JSON, a
body that does not fit the schema, unknown route, too large a body, a crash)
get a message from this module, so a caller never sees a bare English string
when it asked for zh-CN.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from govhall.errors import GovhallError
from govhall.i18n import N_, negotiate_locale, translate
from govhall.portal.rendering import render

log = logging.getLogger(__name__)

_BY_STATUS: dict[int, tuple[str, str]] = {
    400: ("bad_request", N_("请求内容无效：{detail}")),
    401: ("unauthorized", N_("请先登录")),
    403: ("forbidden", N_("没有权限执行此操作")),
    404: ("not_found", N_("找不到请求的地址")),
    405: ("method_not_allowed", N_("不支持此请求方法")),
    413: ("payload_too_large", N_("上传内容过大")),
    415: ("unsupported_media_type", N_("不支持的内容类型")),
    429: ("too_many_requests", N_("请求过于频繁，请稍后再试")),
}
_INTERNAL = N_("服务器内部错误，已记录，请稍后再试")


def _locale(request: Request[Any, Any, Any]) -> str:
    return negotiate_locale(request.headers.get("accept-language"))


_API = re.compile(r"^/(api/|t/[^/]+/api/|oidc/|schema|healthz|readyz)")


def _wants_page(request: Request[Any, Any, Any]) -> bool:
    """A browser asking for a page gets the error as a page, in the page's language;
    API clients always get JSON."""
    return not _API.match(request.url.path) and "text/html" in request.headers.get("accept", "")


def _page(request: Request[Any, Any, Any], status: int, detail: str) -> Response[Any]:
    return render(request, "portal/error.html", status=status, code=status, detail=detail)


def govhall_error_handler(request: Request[Any, Any, Any], exc: GovhallError) -> Response[Any]:
    if _wants_page(request):
        from govhall.portal.rendering import request_locale

        return _page(
            request, exc.status_code, translate(exc.message, request_locale(request), **exc.params)
        )
    return Response(
        exc.render(_locale(request)), status_code=exc.status_code, media_type=MediaType.JSON
    )


def _validation_detail(exc: ValidationException) -> str:
    parts = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for entry in extra:
        if isinstance(entry, dict):
            key = entry.get("key") or entry.get("source") or ""
            parts.append(f"{key}: {entry.get('message', '')}".strip(": "))
    return "; ".join(parts) or str(exc.detail)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    locale = _locale(request)
    code, message = _BY_STATUS.get(exc.status_code, ("error", "{detail}"))
    detail = _validation_detail(exc) if isinstance(exc, ValidationException) else exc.detail
    text = translate(message, locale, detail=detail)
    if _wants_page(request):
        return _page(request, exc.status_code, text)
    body = {"status_code": exc.status_code, "code": code, "detail": text}
    return Response(
        body, status_code=exc.status_code, media_type=MediaType.JSON, headers=exc.headers
    )


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = {
        "status_code": 500,
        "code": "internal_error",
        "detail": translate(_INTERNAL, _locale(request)),
    }
    return Response(body, status_code=500, media_type=MediaType.JSON)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    GovhallError: govhall_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
