"""督办 and rectification tickets in the workbench: the list (supervisors open a
ticket there, departments see what they must answer), and one ticket with its
history and the form the viewer may use — answer or appeal for the department,
close / send back / judge the appeal for the supervisor. Refusals keep what was
typed."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from govhall.errors import FieldError, GovhallError, InvalidInput
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages
from govhall.supervision.services import is_supervising
from govhall.supervision.tickets import (
    AnswerIn,
    AppealIn,
    ReviewIn,
    TicketIn,
    answer_ticket,
    appeal_rating,
    list_tickets,
    open_ticket,
    review_ticket,
    ticket_of,
)
from govhall.tenancy.orgtree import org_tree
from govhall.workbench.pages import _login, signed_in_staff

FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _typed(data: dict[str, Any], *names: str) -> dict[str, str]:
    return {name: str(data.get(name) or "").strip() for name in names}


class TicketPages(Controller):
    path = "/work/supervision/tickets"
    tags = ("workbench",)
    include_in_schema = False

    async def _list(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        staff: Principal,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        typed: dict[str, str] | None = None,
    ) -> Response[Any]:
        locale = request_locale(request)
        params = request.query_params
        filters = {"status": params.get("status", ""), "kind": params.get("kind", "")}
        problems = dict(errors or {})
        try:
            found = await list_tickets(
                portal.tenant, staff, locale, status=filters["status"], kind=filters["kind"]
            )
        except InvalidInput as error:
            problems |= error_messages(error, locale)
            status = error.status_code
            found = await list_tickets(portal.tenant, staff, locale)
        supervising = await is_supervising(portal.tenant, staff)
        return render(
            request,
            "work/tickets.html",
            status=status,
            portal=portal,
            staff=staff,
            found=found,
            filters=filters,
            supervising=supervising,
            units=await org_tree(portal.tenant, staff, locale) if supervising else [],
            typed=typed or {"case_serial": params.get("case", ""), "limit_days": "5"},
            errors=problems,
        )

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await self._list(request, portal, staff)

    @post("/")
    async def open(
        self, request: Request[Any, Any, Any], data: FormPost, portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        typed = _typed(data, "subject", "instruction", "limit_days", "case_serial", "org_unit")
        locale = request_locale(request)
        try:
            if not typed["limit_days"].isdigit():
                problem = N_("办理时限须为整数个工作日")
                raise InvalidInput(
                    problem, code="invalid_limit", errors=[FieldError("limit_days", problem)]
                )
            ticket = await open_ticket(
                portal.tenant,
                staff,
                TicketIn(
                    subject=typed["subject"],
                    instruction=typed["instruction"],
                    limit_days=int(typed["limit_days"]),
                    case_serial=typed["case_serial"],
                    org_unit="" if typed["case_serial"] else typed["org_unit"],
                ),
                locale,
            )
        except GovhallError as error:
            return await self._list(
                request,
                portal,
                staff,
                status=error.status_code,
                errors=error_messages(error, locale),
                typed=typed,
            )
        return Redirect(
            f"{portal.base}/work/supervision/tickets/{ticket.number}?opened=1", status_code=303
        )

    async def _show(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        staff: Principal,
        number: str,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        typed: dict[str, str] | None = None,
    ) -> Response[Any]:
        ticket = await ticket_of(portal.tenant, staff, number, request_locale(request))
        return render(
            request,
            "work/ticket.html",
            status=status,
            portal=portal,
            staff=staff,
            ticket=ticket,
            errors=errors or {},
            typed=typed or {},
            done=request.query_params.get("done", "") or request.query_params.get("opened", ""),
        )

    @get("/{number:str}")
    async def show(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await self._show(request, portal, staff, number)

    @post("/{number:str}/{verb:str}")
    async def act(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        verb: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        locale = request_locale(request)
        typed = _typed(data, "result", "explanation", "callback", "reason", "decision", "comment")
        try:
            if verb == "answer":
                await answer_ticket(
                    portal.tenant,
                    staff,
                    number,
                    AnswerIn(
                        result=typed["result"],
                        explanation=typed["explanation"],
                        callback=typed["callback"],
                    ),
                    locale,
                )
            elif verb == "appeal":
                await appeal_rating(
                    portal.tenant, staff, number, AppealIn(reason=typed["reason"]), locale
                )
            elif verb == "review":
                await review_ticket(
                    portal.tenant,
                    staff,
                    number,
                    ReviewIn(decision=typed["decision"], comment=typed["comment"]),
                    locale,
                )
            else:
                raise InvalidInput(N_("未知的操作"), code="unknown_action")
        except GovhallError as error:
            return await self._show(
                request,
                portal,
                staff,
                number,
                status=error.status_code,
                errors=error_messages(error, locale),
                typed=typed,
            )
        return Redirect(
            f"{portal.base}/work/supervision/tickets/{number}?done={verb}", status_code=303
        )
