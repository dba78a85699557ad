"""Portal pages for consultations (咨询), complaints (投诉), the leader mailbox
(领导信箱) and rating a concluded case (好差评), on the engagement services."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect

from govhall.engagement import services as engagement
from govhall.engagement.services import ComplaintIn, ConsultationIn, RatingIn
from govhall.errors import GovhallError
from govhall.portal.applypages import case_page
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages, signed_in_account
from govhall.services import Services
from govhall.web.websession import login_redirect

FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


class EngagementPages(Controller):
    tags = ("portal",)
    include_in_schema = False

    @get("/consult")
    async def consult(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
        item: FromQuery[str] = "",
    ) -> Response[str]:
        return await self._consult_page(request, portal, services, item, {}, {})

    async def _consult_page(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        services: Services,
        item: str,
        errors: dict[str, str],
        typed: dict[str, Any],
        status: int = 200,
    ) -> Response[str]:
        account = signed_in_account(request)
        items = [
            services.catalog.summary(i) for i in await services.catalog.tenant_items(portal.tenant)
        ]
        return render(
            request,
            "portal/consult.html",
            status=status,
            portal=portal,
            answered=await engagement.published_consultations(portal.tenant, item),
            mine=await engagement.my_consultations(portal.tenant, account) if account else [],
            items=items,
            chosen=item,
            errors=errors,
            typed=typed,
        )

    @post("/consult")
    async def ask(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        account = signed_in_account(request)
        if account is None:
            return login_redirect(request, next_path=f"{portal.base}/consult")
        codes = {i.installed.spec.code for i in await services.catalog.tenant_items(portal.tenant)}
        asked = ConsultationIn(
            question=str(data.get("question", "")), item_code=str(data.get("item_code", ""))
        )
        try:
            await engagement.ask(portal.tenant, account, asked, codes)
        except GovhallError as error:
            errors = error_messages(error, request_locale(request))
            return await self._consult_page(
                request, portal, services, asked.item_code, errors, data, error.status_code
            )
        return Redirect(f"{portal.base}/consult?asked=1", status_code=303)

    @get("/complaints")
    async def complaints(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[str]:
        return await self._letters_page(request, portal, "complaint", {}, {})

    @get("/mailbox")
    async def mailbox(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[str]:
        return await self._letters_page(request, portal, "mailbox", {}, {})

    async def _letters_page(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        kind: str,
        errors: dict[str, str],
        typed: dict[str, Any],
        status: int = 200,
    ) -> Response[str]:
        account = signed_in_account(request)
        mine = await engagement.my_complaints(portal.tenant, account) if account else []
        return render(
            request,
            "portal/letters.html",
            status=status,
            portal=portal,
            kind=kind,
            disclosed=await engagement.disclosed_complaints(portal.tenant)
            if kind == "complaint"
            else [],
            mine=[c for c in mine if c.kind == kind],
            errors=errors,
            typed=typed,
            filed=request.query_params.get("filed", ""),
        )

    @post("/complaints")
    async def file_complaint(
        self, request: Request[Any, Any, Any], data: FormPost, portal: NamedDependency[Portal]
    ) -> Response[Any]:
        return await self._file(request, data, portal, "complaint")

    @post("/mailbox")
    async def write_to_mailbox(
        self, request: Request[Any, Any, Any], data: FormPost, portal: NamedDependency[Portal]
    ) -> Response[Any]:
        return await self._file(request, data, portal, "mailbox")

    async def _file(
        self, request: Request[Any, Any, Any], data: dict[str, Any], portal: Portal, kind: str
    ) -> Response[Any]:
        page = "complaints" if kind == "complaint" else "mailbox"
        account = signed_in_account(request)
        if account is None:
            return login_redirect(request, next_path=f"{portal.base}/{page}")
        letter = ComplaintIn(
            kind=kind,
            subject=str(data.get("subject", "")),
            body=str(data.get("body", "")),
            case_serial=str(data.get("case_serial", "")),
        )
        try:
            filed = await engagement.file_complaint(portal.tenant, account, letter)
        except GovhallError as error:
            errors = error_messages(error, request_locale(request))
            return await self._letters_page(request, portal, kind, errors, data, error.status_code)
        return Redirect(f"{portal.base}/{page}?filed={filed.number}", status_code=303)

    @post("/me/cases/{serial_number:str}/rating")
    async def rate(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        account = signed_in_account(request)
        if account is None:
            return login_redirect(request, next_path=f"{portal.base}/me/cases/{serial_number}")
        level = str(data.get("level", ""))
        raw_tags = data.get("tags") or []
        rating = RatingIn(
            level=int(level) if level.isdigit() else 0,
            reason=str(data.get("reason", "")),
            tags=[str(t) for t in (raw_tags if isinstance(raw_tags, list) else [raw_tags])],
        )
        try:
            await engagement.rate_case(portal.tenant, account, serial_number, rating)
        except GovhallError as error:
            errors = error_messages(error, request_locale(request))
            return await case_page(
                request,
                portal,
                request.app.state.services,
                account,
                serial_number,
                errors,
                error.status_code,
            )
        return Redirect(f"{portal.base}/me/cases/{serial_number}?rated=1", status_code=303)
