"""The platform operator's console in the browser (R-T1, R-T2): every tenant with its
health and a suspend / resume switch, the plugin registry, and onboarding a tenant
from a manifest (pasted or uploaded) — planned first, then applied in one
transaction, with new staff's one-time passwords shown once. Operators sign in at
``/login?operator=1``; the same services serve ``/api/v1/operator``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from govhall.calendar.controllers import NoticeLoaded, load_and_recompute
from govhall.calendar.notices import loaded_notices, parse_lines
from govhall.errors import GovhallError
from govhall.identity.operators import set_tenant_status
from govhall.identity.tokens import Principal
from govhall.portal.rendering import render, request_locale
from govhall.portal.visitors import error_messages
from govhall.services import Services
from govhall.tenancy.export import toml_text
from govhall.tenancy.isolation import row_security_binds_app
from govhall.tenancy.operations import MAX_MANIFEST_BYTES, onboard, plugin_registry, tenant_health
from govhall.tenancy.schemas import ApplyResult
from govhall.web.deps import client_ip
from govhall.web.websession import session_principal
from govhall.workflow.clockjobs import provisional_warning

Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
#: The first administrator of a tenant made from the form, over its whole tree.
ADMIN_ROLE = {"role": "tenant_admin", "org_unit": "centre"}
FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _operator(request: Request[Any, Any, Any]) -> Principal | None:
    found = session_principal(request)
    return found[0] if found and found[0].kind == "operator" else None


def _sign_in() -> Redirect:
    return Redirect("/login?operator=1&next=/operator/", status_code=303)


class OperatorPages(Controller):
    path = "/operator"
    tags = ("operator",)
    include_in_schema = False

    async def _console(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        operator: Principal,
        *,
        status: int = 200,
        manifest: str = "",
        result: ApplyResult | None = None,
        planned: bool = False,
        errors: dict[str, str] | None = None,
        notice_typed: dict[str, str] | None = None,
        notice_loaded: NoticeLoaded | None = None,
    ) -> Response[Any]:
        return render(
            request,
            "operator/console.html",
            status=status,
            calendar_warning=await provisional_warning(None, datetime.now(UTC).date()),
            portal=None,
            operator=operator,
            tenants=await tenant_health(operator),
            plugins=await plugin_registry(operator, services.registry),
            row_security=await row_security_binds_app(),
            manifest=manifest,
            result=result,
            planned=planned,
            errors=errors or {},
            notices=await loaded_notices(),
            notice_typed=notice_typed or {},
            notice_loaded=notice_loaded,
        )

    async def _onboard(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        operator: Principal,
        text: str,
        action: object,
    ) -> Response[Any]:
        """Plan (``action == "plan"``) or apply a manifest; the console shows the result,
        or the refusal with the manifest as it was."""
        planned = action == "plan"
        try:
            result = await onboard(operator, services.registry, text.encode(), dry_run=planned)
        except GovhallError as error:
            return await self._console(
                request,
                services,
                operator,
                status=error.status_code,
                manifest=text,
                errors=error_messages(error, request_locale(request)),
            )
        return await self._console(
            request,
            services,
            operator,
            status=200 if planned else 201,
            manifest=text if planned else "",
            result=result,
            planned=planned,
        )

    @get("/")
    async def console(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services]
    ) -> Response[Any]:
        operator = _operator(request)
        if operator is None:
            return _sign_in()
        return await self._console(request, services, operator)

    @post("/tenants")
    async def onboard_tenant(
        self,
        request: Request[Any, Any, Any],
        data: Multipart,
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Plan (``action=plan``) or apply a manifest pasted or uploaded."""
        operator = _operator(request)
        if operator is None:
            return _sign_in()
        upload = data.get("file")
        content = b""
        if isinstance(upload, UploadFile) and upload.filename:
            try:
                content = await upload.read(MAX_MANIFEST_BYTES + 1)
            finally:
                await upload.close()
        text = content.decode("utf-8", "replace") if content else str(data.get("manifest") or "")
        return await self._onboard(request, services, operator, text, data.get("action"))

    @post("/tenants/form")
    async def onboard_from_form(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """A new tenant from a short form: the manifest is written for the operator
        (shown in the editor, where it can be extended) and planned or applied."""
        operator = _operator(request)
        if operator is None:
            return _sign_in()
        level = str(data.get("level") or "county")
        name = str(data.get("name") or "").strip()
        admin = str(data.get("admin") or "").strip()
        manifest = {
            "slug": str(data.get("slug") or "").strip(),
            "name": name,
            "level": level,
            "parent": str(data.get("parent") or "") or None,
            "division_code": str(data.get("division_code") or "").strip(),
            "branding": {"portal_name": str(data.get("portal_name") or name)},
            "org_units": [{"code": "centre", "name": f"{name}政务服务中心", "kind": "centre"}],
            "staff": [{"username": admin, "name": admin, "roles": [ADMIN_ROLE]}] if admin else [],
        }
        text = toml_text({k: v for k, v in manifest.items() if v is not None})
        return await self._onboard(request, services, operator, text, data.get("action"))

    @post("/calendar/notices")
    async def load_notice(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """A year's State Council holiday notice from the form (one line per date or
        range, then the festival); refused whole with every problem, typed text kept."""
        operator = _operator(request)
        if operator is None:
            return _sign_in()
        typed = {k: str(data.get(k) or "") for k in ("year", "title", "number", "off", "work")}
        try:
            year = int(typed["year"]) if typed["year"].strip().isdigit() else 0
            notice = parse_lines(year, typed["title"], typed["number"], typed["off"], typed["work"])
            loaded = await load_and_recompute(notice, operator.name)
        except GovhallError as error:
            messages = error_messages(error, request_locale(request))
            return await self._console(
                request,
                services,
                operator,
                status=error.status_code,
                errors={"notice": messages.get("form") or next(iter(messages.values()), "")},
                notice_typed=typed,
            )
        return await self._console(request, services, operator, notice_loaded=loaded)

    @post("/tenants/{slug:str}/{action:str}")
    async def switch(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        action: FromPath[str],
        data: FormPost,
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Suspend (its portal shows a notice, nothing is deleted) or resume a tenant."""
        operator = _operator(request)
        if operator is None:
            return _sign_in()
        status = {"suspend": "suspended", "resume": "active"}.get(action)
        if status is None:
            return Redirect("/operator/", status_code=303)
        await set_tenant_status(operator, slug, status, client_ip(request))
        return Redirect("/operator/", status_code=303)
