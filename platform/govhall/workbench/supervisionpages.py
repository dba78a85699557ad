"""The supervisor's screen (电子监察) in the workbench: open warnings and cards in
the supervisor's units with counts per level, filters, the thresholds, and a
button that classifies the tenant's cases now."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from govhall.errors import GovhallError, InvalidInput
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages
from govhall.services import Services
from govhall.supervision.services import (
    ThresholdsIn,
    list_signals,
    set_thresholds,
    sweep_now,
    thresholds_of,
)
from govhall.tenancy.orgtree import org_tree
from govhall.web.deps import client_ip
from govhall.workbench.pages import _login, signed_in_staff

FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


class SupervisionPages(Controller):
    path = "/work/supervision"
    tags = ("workbench",)
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        staff: Principal,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        typed: dict[str, Any] | None = None,
    ) -> Response[Any]:
        locale = request_locale(request)
        params = request.query_params
        filters: dict[str, Any] = {
            "level": params.get("level", ""),
            "unit": params.get("unit", ""),
            "include_cleared": params.get("include_cleared", "") == "1",
        }
        page_no = int(params.get("page", "1")) if params.get("page", "1").isdigit() else 1
        problems: dict[str, str] = dict(errors or {})
        try:
            found = await list_signals(portal.tenant, staff, locale, page=page_no, **filters)
        except InvalidInput as error:
            problems |= error_messages(error, locale)
            status = error.status_code
            found = await list_signals(portal.tenant, staff, locale)
        return render(
            request,
            "work/supervision.html",
            status=status,
            portal=portal,
            staff=staff,
            found=found,
            filters=filters,
            page=page_no,
            pages=max(1, -(-found.total // 50)),
            units=await org_tree(portal.tenant, staff, locale),
            thresholds=typed or await thresholds_of(portal.tenant),
            errors=problems,
            swept=params.get("swept", ""),
        )

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await self._page(request, portal, staff)

    @post("/sweep")
    async def sweep(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        result = await sweep_now(portal.tenant, staff)
        return Redirect(
            f"{portal.base}/work/supervision/?swept={result.raised}-{result.cleared}",
            status_code=303,
        )

    @post("/thresholds")
    async def thresholds(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        typed = {
            k: str(data.get(k) or "").strip()
            for k in ("warning_days", "yellow_days", "red_days", "rectification_days")
        }
        try:
            if not all(v.isdigit() for v in typed.values()):
                raise InvalidInput(N_("天数须为整数个工作日"), code="invalid_thresholds")
            values = ThresholdsIn(**{k: int(v) for k, v in typed.items()})
            await set_thresholds(portal.tenant, staff, values, client_ip(request))
        except GovhallError as error:
            locale = request_locale(request)
            return await self._page(
                request,
                portal,
                staff,
                status=error.status_code,
                errors=error_messages(error, locale),
                typed=typed,
            )
        return Redirect(f"{portal.base}/work/supervision/?saved=1#thresholds", status_code=303)
