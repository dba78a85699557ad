"""The supervisor's screen (电子监察) in the workbench: open warnings and cards in
the supervisor's units with counts per level, filters, the thresholds, and a
button that classifies the tenant's cases now."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from govhall.engagement.services import HandleIn, complaints_for_handling, handle_complaint
from govhall.errors import FieldError, GovhallError, InvalidInput
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.notify.services import inbox, mark_all_read
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages
from govhall.reports.services import FORMATS
from govhall.services import Services
from govhall.supervision.leaders import LeaderIn, add_leader, leaders_of, remove_leader
from govhall.supervision.monitoring import (
    ANOMALIES,
    LOGIC_CHECKS,
    STAGES,
    anomaly_view,
    logic_view,
    process_view,
)
from govhall.supervision.rules import review_rule_signal
from govhall.supervision.scores import (
    ScoreSheet,
    Weights,
    export_scores,
    score_sheet,
    set_weights,
)
from govhall.supervision.services import (
    ThresholdsIn,
    list_signals,
    set_thresholds,
    sweep_now,
    thresholds_of,
)
from govhall.supervision.terminations import (
    TerminationReview,
    review_termination,
    termination_requests,
)
from govhall.tenancy.orgtree import org_tree
from govhall.web.deps import client_ip
from govhall.workbench.pages import _login, signed_in_staff
from govhall.workbench.reportpages import parse_day
from govhall.workflow.clockjobs import tenant_warning

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
        leader_typed: dict[str, str] | None = None,
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
            calendar_warning=await tenant_warning(portal.tenant),
            portal=portal,
            staff=staff,
            found=found,
            filters=filters,
            page=page_no,
            pages=max(1, -(-found.total // 50)),
            units=await org_tree(portal.tenant, staff, locale),
            thresholds=typed or await thresholds_of(portal.tenant),
            leaders=await leaders_of(portal.tenant, staff, locale),
            leader_typed=leader_typed or {},
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

    @post("/signals/{signal_id:uuid}/review")
    async def review(
        self,
        request: Request[Any, Any, Any],
        signal_id: FromPath[uuid.UUID],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        try:
            await review_rule_signal(
                portal.tenant, staff, signal_id, str(data.get("comment") or "")
            )
        except GovhallError as error:
            return await self._page(
                request,
                portal,
                staff,
                status=error.status_code,
                errors=error_messages(error, request_locale(request)),
            )
        return Redirect(f"{portal.base}/work/supervision/?reviewed=1", status_code=303)

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
            for k in (
                "warning_days",
                "yellow_days",
                "red_days",
                "rectification_days",
                "complaint_days",
            )
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

    @post("/leaders")
    async def add_leader(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        typed = {k: str(data.get(k) or "").strip() for k in ("username", "org_unit", "mobile")}
        locale = request_locale(request)
        try:
            await add_leader(portal.tenant, staff, LeaderIn(**typed), client_ip(request), locale)
        except GovhallError as error:
            problems = {f"leader_{k}": v for k, v in error_messages(error, locale).items()}
            return await self._page(
                request,
                portal,
                staff,
                status=error.status_code,
                errors=problems,
                leader_typed=typed,
            )
        return Redirect(f"{portal.base}/work/supervision/?leader=1#leaders", status_code=303)

    @post("/leaders/{leader_id:uuid}/remove")
    async def remove_leader(
        self,
        request: Request[Any, Any, Any],
        leader_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        await remove_leader(portal.tenant, staff, leader_id, client_ip(request))
        return Redirect(f"{portal.base}/work/supervision/?leader=0#leaders", status_code=303)


WEIGHT_FIELDS = (
    "base",
    "warning",
    "yellow",
    "red",
    "early",
    "early_days",
    "promise",
    "promise_ratio",
    "satisfaction",
)


class ScorePages(Controller):
    """绩效考核: scores per department or post for a period, compared with another,
    the formula beside each, exports, and the weights."""

    path = "/work/supervision/scores"
    tags = ("workbench",)
    include_in_schema = False

    async def _sheet(
        self, request: Request[Any, Any, Any], portal: Portal, staff: Principal, services: Services
    ) -> tuple[ScoreSheet | None, dict[str, str], int]:
        locale = request_locale(request)
        params = request.query_params
        errors: list[FieldError] = []
        days = {
            name: parse_day(params.get(name, ""), name, errors)
            for name in ("date_from", "date_to", "compare_from", "compare_to")
        }
        try:
            if errors:
                raise InvalidInput(N_("考核条件有误"), code="invalid_period", errors=errors)
            sheet = await score_sheet(
                portal.tenant,
                staff,
                locale,
                services.registry,
                by=params.get("by", "department"),
                **days,
            )
        except InvalidInput as error:
            return None, error_messages(error, locale), error.status_code
        return sheet, {}, 200

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await self._page(request, portal, staff, services)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        staff: Principal,
        services: Services,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        typed: dict[str, str] | None = None,
    ) -> Response[Any]:
        sheet, problems, sheet_status = await self._sheet(request, portal, staff, services)
        if sheet is None:
            # The period was wrong: show this month's scores with the errors.
            sheet = await score_sheet(
                portal.tenant, staff, request_locale(request), services.registry
            )
        weights = msgspec.to_builtins(sheet.weights)
        return render(
            request,
            "work/scores.html",
            status=max(status, sheet_status),
            portal=portal,
            staff=staff,
            sheet=sheet,
            params=request.query_params,
            query=urlencode([(k, v) for k, v in request.query_params.items() if v]),
            weights={k: str(v) for k, v in weights.items()} | (typed or {}),
            errors=problems | (errors or {}),
        )

    @get("/export")
    async def export(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        sheet, _, _ = await self._sheet(request, portal, staff, services)
        if sheet is None:
            return await self._page(request, portal, staff, services)
        fmt = request.query_params.get("format", "csv")
        content = export_scores(sheet, fmt, request_locale(request))
        return Response(
            content,
            media_type=FORMATS.get(fmt, "application/octet-stream"),
            headers={"content-disposition": f"attachment; filename=scores.{fmt}"},
        )

    @post("/weights")
    async def weights(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        typed = {k: str(data.get(k) or "").strip() for k in WEIGHT_FIELDS}
        try:
            values: dict[str, Any] = {}
            wrong = []
            for name, text in typed.items():
                try:
                    values[name] = int(text) if name == "early_days" else float(text)
                except ValueError:
                    wrong.append(FieldError(name, N_("请填写数字")))
            if wrong:
                raise InvalidInput(N_("考核权重有误"), code="invalid_weights", errors=wrong)
            await set_weights(portal.tenant, staff, Weights(**values), client_ip(request))
        except GovhallError as error:
            return await self._page(
                request,
                portal,
                staff,
                services,
                status=error.status_code,
                errors=error_messages(error, request_locale(request)),
                typed=typed,
            )
        return Redirect(f"{portal.base}/work/supervision/scores/?saved=1", status_code=303)


class MonitorPages(Controller):
    """过程、逻辑与异常监察: open cases by stage, cases whose record breaks the
    procedure's logic, and the anomaly lists, one view at a time."""

    path = "/work/supervision/monitor"
    tags = ("workbench",)
    include_in_schema = False

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        locale = request_locale(request)
        params = request.query_params
        view = params.get("view", "process")
        kind = params.get("kind", "")
        status = 200
        errors: dict[str, str] = {}
        stages = flags = None
        try:
            if view == "logic":
                flags = await logic_view(portal.tenant, staff, locale, kind)
            elif view == "anomalies":
                flags = await anomaly_view(portal.tenant, staff, locale, kind)
            else:
                view = "process"
                stages = await process_view(portal.tenant, staff, locale)
        except InvalidInput as error:
            errors = error_messages(error, locale)
            status = error.status_code
            kind = ""
            flags = await (
                logic_view(portal.tenant, staff, locale)
                if view == "logic"
                else anomaly_view(portal.tenant, staff, locale)
            )
        kinds = LOGIC_CHECKS if view == "logic" else ANOMALIES
        return render(
            request,
            "work/monitor.html",
            status=status,
            portal=portal,
            staff=staff,
            view=view,
            kind=kind,
            stages=stages,
            stage_labels={k: v.pick(locale) for k, v in STAGES.items()},
            flags=flags,
            kinds={k: v.pick(locale) for k, v in kinds.items()},
            errors=errors,
        )


class _DecidedInPlace(Controller):
    """A list of requests a supervisor decides in place: the list, and each decision
    posted back to it — the list again with the errors and what was typed when the
    decision is refused (nothing saved is touched), or back to the list, marked with
    ``done``, when it is taken."""

    tags = ("workbench",)
    include_in_schema = False
    done = "decided"
    # Each page's list, shown with status, errors and typed; every subclass defines it.
    _page: Callable[..., Awaitable[Response[Any]]]

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await self._page(request, portal, staff)

    async def _decide(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        typed: dict[str, str],
        decide: Callable[[Principal], Awaitable[object]],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        try:
            await decide(staff)
        except GovhallError as error:
            return await self._page(
                request,
                portal,
                staff,
                status=error.status_code,
                errors=error_messages(error, request_locale(request)),
                typed=typed,
            )
        return Redirect(f"{portal.base}{self.path}/?{self.done}=1", status_code=303)


class ComplaintPages(_DecidedInPlace):
    """投诉与领导信箱 for supervisors: each complaint with its working-day deadline
    (overdue and escalated ones marked), handled in place: accepted or dismissed
    with the outcome, and an accepted complaint's outcome disclosed if chosen."""

    path = "/work/supervision/complaints"
    done = "handled"

    async def _page(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        staff: Principal,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        typed: dict[str, str] | None = None,
    ) -> Response[Any]:
        shown = request.query_params.get("status", "open")
        listed = await complaints_for_handling(
            portal.tenant, staff, shown if shown in ("open", "accepted", "dismissed") else ""
        )
        return render(
            request,
            "work/complaints.html",
            status=status,
            portal=portal,
            staff=staff,
            complaints=listed,
            shown=shown,
            today=datetime.now(ZoneInfo(portal.tenant.time_zone)).date(),
            errors=errors or {},
            typed=typed or {},
        )

    @post("/{complaint_id:uuid}/handle")
    async def handle(
        self,
        request: Request[Any, Any, Any],
        complaint_id: FromPath[uuid.UUID],
        data: FormPost,
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        typed = {
            "id": str(complaint_id),
            "decision": str(data.get("decision") or ""),
            "outcome": str(data.get("outcome") or ""),
        }
        decision = HandleIn(
            decision=typed["decision"],
            outcome=typed["outcome"],
            disclose=data.get("disclose") == "1",
        )
        return await self._decide(
            request,
            portal,
            typed,
            lambda staff: handle_complaint(portal.tenant, staff, complaint_id, decision),
        )


class TerminationPages(_DecidedInPlace):
    """终止申请审核: the requests in the supervisor's units, approved (the case is
    terminated) or rejected with a reason, in place."""

    path = "/work/supervision/terminations"
    done = "reviewed"

    async def _page(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        staff: Principal,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        typed: dict[str, str] | None = None,
    ) -> Response[Any]:
        shown = request.query_params.get("status", "pending")
        listed = await termination_requests(
            portal.tenant,
            staff,
            request_locale(request),
            status=shown if shown in ("pending", "approved", "rejected") else "",
        )
        return render(
            request,
            "work/terminations.html",
            status=status,
            portal=portal,
            staff=staff,
            requests=listed,
            shown=shown,
            errors=errors or {},
            typed=typed or {},
        )

    @post("/{request_id:uuid}/review")
    async def review(
        self,
        request: Request[Any, Any, Any],
        request_id: FromPath[uuid.UUID],
        data: FormPost,
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        typed = {
            "id": str(request_id),
            "decision": str(data.get("decision") or ""),
            "comment": str(data.get("comment") or ""),
        }
        review = TerminationReview(decision=typed["decision"], comment=typed["comment"])
        locale = request_locale(request)
        return await self._decide(
            request,
            portal,
            typed,
            lambda staff: review_termination(portal.tenant, staff, request_id, review, locale),
        )


class StaffInboxPages(Controller):
    """通知: the staff member's inbox — deadline warnings and cards from the
    supervision sweep, newest first, unread ones marked."""

    path = "/work/inbox"
    tags = ("workbench",)
    include_in_schema = False

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        entries = await inbox(portal.tenant, staff, request_locale(request), limit=200)
        return render(request, "work/inbox.html", portal=portal, staff=staff, entries=entries)

    @post("/read")
    async def read(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        await mark_all_read(portal.tenant, staff)
        return Redirect(f"{portal.base}/work/inbox/", status_code=303)
