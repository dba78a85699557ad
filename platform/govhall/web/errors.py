"""Turn every error into a JSON body in the caller's language.

Domain errors carry their own message; framework errors (malformed JSON, a
body that does not fit the schema, unknown route, too large a body, a crash)
get a message from this module, so a caller never sees a bare English string
when it asked for zh-CN.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from govhall.errors import GovhallError
from govhall.i18n import N_, negotiate_locale, translate

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


def govhall_error_handler(request: Request[Any, Any, Any], exc: GovhallError) -> Response[Any]:
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
    body = {
        "status_code": exc.status_code,
        "code": code,
        "detail": translate(message, locale, detail=detail),
    }
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
