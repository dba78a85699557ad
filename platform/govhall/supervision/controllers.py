"""Supervision API (``/t/{tenant}/api/v1/signals``, ``/supervision-settings``,
``/supervision-leaders``, ``/tickets``, ``/scores``, ``/score-weights``, ``/monitoring``,
``/termination-requests``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.identity.tokens import Principal
from govhall.reports.services import FORMATS
from govhall.services import Services
from govhall.supervision.leaders import (
    LeaderIn,
    LeaderOut,
    add_leader,
    leaders_of,
    remove_leader,
)
from govhall.supervision.monitoring import (
    FlagPage,
    StageCount,
    anomaly_view,
    logic_view,
    process_view,
)
from govhall.supervision.rules import RuleReviewIn, review_rule_signal
from govhall.supervision.scores import (
    ScoreSheet,
    Weights,
    export_scores,
    score_sheet,
    set_weights,
    weights_of,
)
from govhall.supervision.services import (
    SignalPage,
    SweepOut,
    ThresholdsIn,
    ThresholdsOut,
    list_signals,
    set_thresholds,
    supervision_scope,
    sweep_now,
    thresholds_of,
)
from govhall.supervision.terminations import (
    TerminationIn,
    TerminationOut,
    TerminationReview,
    request_termination,
    review_termination,
    termination_requests,
)
from govhall.supervision.tickets import (
    AnswerIn,
    AppealIn,
    ReviewIn,
    TicketIn,
    TicketOut,
    TicketPage,
    answer_ticket,
    appeal_rating,
    list_tickets,
    open_ticket,
    review_ticket,
    ticket_of,
)
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import client_ip


class SignalController(Controller):
    path = "/signals"
    tags = ("supervision",)

    @get("/", summary="Warnings, yellow and red cards in the supervisor's units (R-S5)")
    async def index(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        level: FromQuery[str] = "",
        unit: FromQuery[str] = "",
        include_cleared: FromQuery[bool] = False,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> SignalPage:
        return await list_signals(
            tenant,
            principal,
            locale,
            level=level,
            unit=unit,
            include_cleared=include_cleared,
            page=page,
            page_size=page_size,
        )

    @post(
        "/{signal_id:uuid}/review",
        status_code=204,
        summary="Close a rule signal with the review's conclusion (supervisors)",
    )
    async def review(
        self,
        signal_id: FromPath[uuid.UUID],
        data: JSONBody[RuleReviewIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await review_rule_signal(tenant, principal, signal_id, data.comment)

    @post("/sweep", status_code=200, summary="Classify this tenant's open cases now")
    async def sweep(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> SweepOut:
        result = await sweep_now(tenant, principal)
        return SweepOut(raised=result.raised, cleared=result.cleared)


class SupervisionSettingsController(Controller):
    path = "/supervision-settings"
    tags = ("supervision",)

    @get("/", summary="The tenant's signal thresholds in working days")
    async def show(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> ThresholdsOut:
        await supervision_scope(tenant, principal)
        return await thresholds_of(tenant)

    @put("/", summary="Change the thresholds (whole-government supervisors or administrators)")
    async def change(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ThresholdsIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ThresholdsOut:
        return await set_thresholds(tenant, principal, data, client_ip(request))


class LeaderController(Controller):
    path = "/supervision-leaders"
    tags = ("supervision",)

    @get("/", summary="Responsible leaders of the departments the caller supervises")
    async def index(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> list[LeaderOut]:
        return await leaders_of(tenant, principal, locale)

    @post("/", summary="Name a department's responsible leader (card texts and inbox)")
    async def add(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LeaderIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> LeaderOut:
        return await add_leader(tenant, principal, data, client_ip(request), locale)

    @delete("/{leader_id:uuid}", summary="Remove a responsible leader")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        leader_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await remove_leader(tenant, principal, leader_id, client_ip(request))


class TicketController(Controller):
    path = "/tickets"
    tags = ("supervision",)

    @get("/", summary="督办 and rectification tickets of the caller's units (R-S6, R-A11)")
    async def index(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        status: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 50,
    ) -> TicketPage:
        return await list_tickets(
            tenant, principal, locale, status=status, kind=kind, page=page, page_size=page_size
        )

    @post("/", summary="Open a 督办 ticket on a case or a department (supervisors)")
    async def open(
        self,
        data: JSONBody[TicketIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> TicketOut:
        return await open_ticket(tenant, principal, data, locale)

    @get("/{number:str}", summary="One ticket with its history")
    async def show(
        self,
        number: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> TicketOut:
        return await ticket_of(tenant, principal, number, locale)

    @post("/{number:str}/answer", status_code=200, summary="The department answers")
    async def answer(
        self,
        number: FromPath[str],
        data: JSONBody[AnswerIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> TicketOut:
        return await answer_ticket(tenant, principal, number, data, locale)

    @post("/{number:str}/appeal", status_code=200, summary="Appeal a rectification's rating")
    async def appeal(
        self,
        number: FromPath[str],
        data: JSONBody[AppealIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> TicketOut:
        return await appeal_rating(tenant, principal, number, data, locale)

    @post("/{number:str}/review", status_code=200, summary="Close, send back, judge an appeal")
    async def review(
        self,
        number: FromPath[str],
        data: JSONBody[ReviewIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> TicketOut:
        return await review_ticket(tenant, principal, number, data, locale)


class ScoreController(Controller):
    path = "/scores"
    tags = ("supervision",)

    @get("/", summary="Performance scores per department or post, with formulas (R-S7)")
    async def index(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        services: NamedDependency[Services],
        by: FromQuery[str] = "department",
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
        compare_from: FromQuery[date | None] = None,
        compare_to: FromQuery[date | None] = None,
    ) -> ScoreSheet:
        return await score_sheet(
            tenant,
            principal,
            locale,
            services.registry,
            by=by,
            date_from=date_from,
            date_to=date_to,
            compare_from=compare_from,
            compare_to=compare_to,
        )

    @get("/export", summary="The scores as CSV or XLSX")
    async def export(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        services: NamedDependency[Services],
        format: FromQuery[str] = "csv",
        by: FromQuery[str] = "department",
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
        compare_from: FromQuery[date | None] = None,
        compare_to: FromQuery[date | None] = None,
    ) -> Response[bytes]:
        sheet = await score_sheet(
            tenant,
            principal,
            locale,
            services.registry,
            by=by,
            date_from=date_from,
            date_to=date_to,
            compare_from=compare_from,
            compare_to=compare_to,
        )
        content = export_scores(sheet, format, locale)
        return Response(
            content,
            media_type=FORMATS[format],
            headers={"content-disposition": f"attachment; filename=scores.{format}"},
        )


class ScoreWeightsController(Controller):
    path = "/score-weights"
    tags = ("supervision",)

    @get("/", summary="The tenant's performance score weights")
    async def show(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> Weights:
        await supervision_scope(tenant, principal)
        return await weights_of(tenant.id)

    @put("/", summary="Change the weights (whole-government supervisors or administrators)")
    async def change(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[Weights],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> Weights:
        return await set_weights(tenant, principal, data, client_ip(request))


class MonitoringController(Controller):
    path = "/monitoring"
    tags = ("supervision",)

    @get("/process", summary="Open cases by stage and department (R-S1)")
    async def process(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> list[StageCount]:
        return await process_view(tenant, principal, locale)

    @get("/logic", summary="Cases whose record breaks the procedure's logic (R-S3)")
    async def logic(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        check: FromQuery[str] = "",
    ) -> FlagPage:
        return await logic_view(tenant, principal, locale, check)

    @get("/anomalies", summary="Returned, voided, withdrawn, abandoned, not accepted (R-S4)")
    async def anomalies(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        kind: FromQuery[str] = "",
        since: FromQuery[date | None] = None,
    ) -> FlagPage:
        return await anomaly_view(tenant, principal, locale, kind, since)


class TerminationController(Controller):
    path = "/termination-requests"
    tags = ("supervision",)

    @post("/", summary="Ask for a case to be terminated, with the reason")
    async def request(
        self,
        data: JSONBody[TerminationIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> TerminationOut:
        return await request_termination(tenant, principal, data, locale)

    @get("/", summary="Termination requests in the supervisor's units")
    async def index(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        status: FromQuery[str] = "",
    ) -> list[TerminationOut]:
        return await termination_requests(tenant, principal, locale, status=status)

    @post("/{request_id:uuid}/review", status_code=200, summary="Approve or reject (supervisor)")
    async def review(
        self,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[TerminationReview],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> TerminationOut:
        return await review_termination(tenant, principal, request_id, data, locale)
