"""The staff workbench's pages (R-W1, R-W3, R-W4, R-W14): the to-do list, and the
case screen with the form, materials, documents, the flow's steps and timeline,
and every action the staff member may take at the active steps, with the inputs
each needs. The same services as the API do the work; a refused action is shown
in place with the engine's reason, and nothing is lost.

Staff sign in at ``/login`` with their government's code; the pages live under the
tenant's portal address (``/t/{slug}/work…``) and refuse anyone who is not staff of
that tenant.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect

from govhall.calendar.services import tenant_calendar
from govhall.calendar.working import WorkingCalendar
from govhall.cases.applying import act_and_notify
from govhall.cases.controllers import export_response
from govhall.cases.discretion import bands_for
from govhall.cases.materials import completeness, mark_original_checked
from govhall.cases.search import CaseQuery, done_by, entered_by, search_cases
from govhall.cases.tables import CaseMaterial
from govhall.documents.services import document_file, documents_of_case
from govhall.errors import FieldError, Forbidden, GovhallError, InvalidInput
from govhall.fees.corrections import FeeCorrection, Refund, correct_fees, refund_order
from govhall.fees.payments import confirm_at_counter, issue_notice, orders_of_case, receipt_of
from govhall.i18n import N_, Localized
from govhall.identity.services import grants_of
from govhall.identity.tokens import Principal
from govhall.messaging.services import case_comments
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages
from govhall.sdk import STEP_ACTIONS
from govhall.services import Services
from govhall.storage.services import download_response, get_readable_blob
from govhall.supervision.services import cards_of_tasks, is_supervising, signals_of_case
from govhall.supervision.terminations import (
    TerminationIn,
    request_termination,
    termination_requests,
)
from govhall.supervision.tickets import list_tickets
from govhall.web.websession import login_redirect, session_principal
from govhall.workflow.engine import ActionRequest, case_context, load_case
from govhall.workflow.labels import STATUS_LABELS
from govhall.workflow.machine import SPECIAL_PROCEDURES, CaseState
from govhall.workflow.schemas import WorkFilter
from govhall.workflow.services import NEAR_DUE_DAYS, case_state, worklist
from govhall.workflow.tables import Task

FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
#: Actions whose opinion is a legal reason and may not be empty.
NEEDS_REASON = frozenset({"reject", "deny", "return", "terminate", "disagree"})
#: Case-level actions offered on the screen, with the inputs they need.
CASE_ACTIONS = {
    "claim": Localized("签收", "claim"),
    "extend": Localized("延长办理期限", "extend the time limit"),
    "suspend": Localized("挂起", "suspend"),
    "pause": Localized("特别程序（听证、检验、鉴定等）", "special procedure (hearing, testing…)"),
    "hearing_requested": Localized("登记申请人提出听证", "record the applicant's hearing request"),
    "resume": Localized("恢复办理", "resume"),
    "receive_correction": Localized("收到补正材料", "correction received"),
    "assign": Localized("指派给同事", "assign to a colleague"),
    "transfer": Localized("转办到其他机构", "transfer to another unit"),
    "return": Localized("退回到已办环节", "return to an earlier step"),
    "return_to_applicant": Localized("退回申请人", "return to the applicant"),
}
#: Inputs some case-level actions take, copied from the form into the action's data.
ACTION_INPUTS = ("procedure", "days_needed", "ground", "staff", "unit", "to")


def _query(request: Request[Any, Any, Any]) -> CaseQuery:
    """The search form's conditions; a malformed date is left out (the form shows it)."""
    params = request.query_params

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None

    try:
        page = max(int(params.get("page", "1")), 1)
    except ValueError:
        page = 1
    return CaseQuery(
        item=params.get("item", ""),
        status=params.get("status", ""),
        q=params.get("q", ""),
        submitted_from=day("submitted_from"),
        submitted_to=day("submitted_to"),
        page=page,
    )


def deadline_signal(calendar: WorkingCalendar, due_on: date | None, today: date) -> str:
    """``overdue`` (超期), ``near`` (临期: within NEAR_DUE_DAYS working days) or ""."""
    if due_on is None:
        return ""
    if due_on < today:
        return "overdue"
    return "near" if calendar.working_days_between(today, due_on) <= NEAR_DUE_DAYS else ""


async def _today_and_calendar(portal: Portal) -> tuple[date, WorkingCalendar]:
    today = datetime.now(ZoneInfo(portal.tenant.time_zone)).date()
    return today, await tenant_calendar(portal.tenant.id)


def signed_in_staff(request: Request[Any, Any, Any], portal: Portal) -> Principal | None:
    """The signed-in staff member of this tenant; None when signed out; 403 otherwise."""
    found = session_principal(request)
    if found is None:
        return None
    principal = found[0]
    if principal.kind != "staff" or principal.tenant_id != portal.tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以使用工作台"), code="staff_required")
    return principal


def _login(request: Request[Any, Any, Any], portal: Portal) -> Redirect:
    return login_redirect(request, tenant=portal.tenant.slug)


async def _case_list(
    request: Request[Any, Any, Any],
    portal: Portal,
    services: Services,
    page: int,
    lister: Any,
    title: str,
) -> Response[Any]:
    """A page of one of the staff member's case lists (已办, 代办件)."""
    staff = signed_in_staff(request, portal)
    if staff is None:
        return _login(request, portal)
    found = await lister(portal.tenant, staff, services.registry, request_locale(request), page)
    return render(
        request,
        "work/cases.html",
        portal=portal,
        staff=staff,
        found=found,
        title=title,
        query={},
        export=False,
    )


class WorkbenchPages(Controller):
    path = "/work"
    tags = ("workbench",)
    include_in_schema = False

    @get("/")
    async def todo(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
        page: FromQuery[int] = 1,
    ) -> Response[Any]:
        """待办: open tasks for the staff member's roles and units, with filters
        (item, unit, deadline signal, pre-review of online submissions) and sorting."""
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        locale = request_locale(request)
        params = request.query_params
        filters = WorkFilter(
            item_code=params.get("item", ""),
            unit=params.get("unit", ""),
            signal=params.get("signal", ""),
            kind=params.get("kind", ""),
            sort=params.get("sort", "oldest") or "oldest",
        )
        errors: dict[str, str] = {}
        status = 200
        try:
            listed = await worklist(
                portal.tenant, staff, services.registry, locale, page, 20, filters
            )
        except GovhallError as error:
            errors, status = error_messages(error, locale), error.status_code
            listed = await worklist(portal.tenant, staff, services.registry, locale, 1, 20)
        today, calendar = await _today_and_calendar(portal)
        return render(
            request,
            "work/todo.html",
            status=status,
            portal=portal,
            staff=staff,
            listed=listed,
            signals={w.task_id: deadline_signal(calendar, w.due_on, today) for w in listed.items},
            cards=await cards_of_tasks([w.task_id for w in listed.items]),
            pages=max(1, -(-listed.total // listed.page_size)),
            filters=filters,
            items=sorted(
                (i.spec for i in services.registry.items.values()), key=lambda spec: spec.code
            ),
            query_string=urlencode(
                {
                    k: v
                    for k, v in (
                        ("item", filters.item_code),
                        ("unit", filters.unit),
                        ("signal", filters.signal),
                        ("kind", filters.kind),
                        ("sort", filters.sort),
                    )
                    if v
                }
            ),
            errors=errors,
        )

    @get("/entered")
    async def entered(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
        page: FromQuery[int] = 1,
    ) -> Response[Any]:
        """代办件: cases this staff member entered for applicants (window, batches)."""
        return await _case_list(request, portal, services, page, entered_by, "entered")

    @get("/done")
    async def done(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
        page: FromQuery[int] = 1,
    ) -> Response[Any]:
        """已办: cases the staff member handled a step of."""
        return await _case_list(request, portal, services, page, done_by, "done")

    @get("/search")
    async def search(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """综合查询: combined conditions over the staff member's units, with exports."""
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        query, errors, found = _query(request), {}, None
        try:
            found = await search_cases(
                portal.tenant, staff, query, services.registry, request_locale(request)
            )
        except GovhallError as error:
            errors = error_messages(error, request_locale(request))
        items = [
            services.catalog.summary(i) for i in await services.catalog.tenant_items(portal.tenant)
        ]
        return render(
            request,
            "work/cases.html",
            status=422 if errors else 200,
            portal=portal,
            staff=staff,
            found=found,
            title="search",
            query=msgspec.structs.asdict(query),
            items=items,
            statuses=[(k, v.pick(request_locale(request))) for k, v in STATUS_LABELS.items()],
            errors=errors,
            export=True,
            query_string=request.url.query or "",
        )

    @get("/exports/{fmt:str}")
    async def export(
        self,
        request: Request[Any, Any, Any],
        fmt: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await export_response(
            portal.tenant, staff, _query(request), fmt, services.registry, request_locale(request)
        )

    @get("/cases/{serial_number:str}")
    async def case_screen(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await case_page(request, portal, services, staff, serial_number, {})

    @post("/cases/{serial_number:str}/act")
    async def act(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """One action from the case screen; the engine decides whether it may be done."""
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        action = str(data.get("action", ""))
        opinion = str(data.get("opinion", "")).strip()
        payload: dict[str, Any] = {}
        # Discretion results (裁量结果) typed at the deciding step: "d.<field>".
        payload.update(
            {
                k[2:]: str(v).strip()
                for k, v in data.items()
                if k.startswith("d.") and str(v).strip()
            }
        )
        payload.update(
            {k: str(data[k]).strip() for k in ACTION_INPUTS if str(data.get(k) or "").strip()}
        )
        # Sums typed in yuan ("y.<field>"), as staff think of them; the standard counts fen.
        bad_sums = []
        for key, value in data.items():
            if key.startswith("y.") and str(value).strip():
                fen = _yuan_to_fen(str(value))
                if fen is None:
                    bad_sums.append(FieldError(key[2:], N_("金额须为数字，最多两位小数")))
                else:
                    payload[key[2:]] = fen
        if action in ("request_correction", "return_to_applicant"):
            payload["items"] = [
                line.strip() for line in str(data.get("items", "")).splitlines() if line.strip()
            ]
        locale = request_locale(request)
        try:
            if bad_sums:
                raise InvalidInput(
                    N_("金额须为数字，最多两位小数"), code="amount_format", errors=bad_sums
                )
            if action in NEEDS_REASON and not opinion:
                problem = N_("“{action}”须填写理由")
                named = Localized(*STEP_ACTIONS.get(action, (action, action)))
                raise InvalidInput(
                    problem,
                    code="opinion_required",
                    errors=[FieldError("opinion", problem, action=named)],
                    action=named,
                )
            await act_and_notify(
                services,
                portal.tenant,
                staff,
                serial_number,
                ActionRequest(
                    action=action,
                    opinion=opinion,
                    step=str(data.get("step") or request.query_params.get("step", "")),
                    data=payload,
                ),
                locale,
            )
        except GovhallError as error:
            errors = error_messages(error, locale)
            return await case_page(
                request, portal, services, staff, serial_number, errors, status=error.status_code
            )
        return Redirect(f"{portal.base}/work/cases/{serial_number}?done={action}", status_code=303)

    async def _section_step(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        services: Services,
        serial_number: str,
        work: Any,
        anchor: str = "fees",
    ) -> Response[Any]:
        """Run one operation from a section of the case screen (fees, termination);
        the screen shows the result or the refusal."""
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        try:
            await work(staff)
        except GovhallError as error:
            errors = error_messages(error, request_locale(request))
            return await case_page(
                request, portal, services, staff, serial_number, errors, status=error.status_code
            )
        return Redirect(f"{portal.base}/work/cases/{serial_number}#{anchor}", status_code=303)

    @post("/cases/{serial_number:str}/termination")
    async def termination(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """申请终止办理: a supervisor decides (supervision.terminations)."""

        async def work(staff: Principal) -> None:
            await request_termination(
                portal.tenant,
                staff,
                TerminationIn(serial_number=serial_number, reason=str(data.get("reason") or "")),
                request_locale(request),
            )

        return await self._section_step(
            request, portal, services, serial_number, work, anchor="termination"
        )

    @post("/cases/{serial_number:str}/fees/notice")
    async def fee_notice(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """开具缴费通知: the applicant then pays online or at the window."""

        async def work(staff: Principal) -> None:
            await issue_notice(portal.tenant, staff, serial_number)

        return await self._section_step(request, portal, services, serial_number, work)

    @post("/cases/{serial_number:str}/fees/correct")
    async def fee_correct(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Lower or waive fee lines (yuan typed as ``a.<code>``), within the rules."""

        async def work(staff: Principal) -> None:
            amounts = {}
            for key, value in data.items():
                if key.startswith("a.") and str(value).strip():
                    fen = _yuan_to_fen(str(value))
                    if fen is None:
                        raise InvalidInput(
                            N_("金额须为数字，最多两位小数"),
                            code="fee_amount_format",
                            errors=[FieldError(key[2:], N_("金额须为数字，最多两位小数"))],
                        )
                    amounts[key[2:]] = fen
            correction = FeeCorrection(amounts=amounts, reason=str(data.get("reason") or ""))
            await correct_fees(services, portal.tenant, staff, serial_number, correction)

        return await self._section_step(request, portal, services, serial_number, work)

    @post("/payments/{order_no:str}/counter-paid")
    async def counter_paid(
        self,
        request: Request[Any, Any, Any],
        order_no: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        serial_number = str(data.get("serial_number") or "")

        async def work(staff: Principal) -> None:
            await confirm_at_counter(portal.tenant, staff, order_no)

        return await self._section_step(request, portal, services, serial_number, work)

    @get("/payments/{order_no:str}/receipt")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        order_no: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """The receipt of a paid order, to print for a payer at the window."""
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        found = await receipt_of(services, portal.tenant, staff, order_no)
        return render(
            request, "portal/payment_receipt.html", portal=portal, staff=staff, receipt=found
        )

    @post("/payments/{order_no:str}/refund")
    async def refund(
        self,
        request: Request[Any, Any, Any],
        order_no: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        serial_number = str(data.get("serial_number") or "")

        async def work(staff: Principal) -> None:
            await refund_order(
                portal.tenant, staff, order_no, Refund(reason=str(data.get("reason") or ""))
            )

        return await self._section_step(request, portal, services, serial_number, work)

    @post("/cases/{serial_number:str}/materials/{material_id:uuid}/checked")
    async def original_checked(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        material_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """核验原件: the clerk saw the original of an uploaded copy."""
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        try:
            await mark_original_checked(portal.tenant, staff, serial_number, material_id)
        except GovhallError as error:
            errors = error_messages(error, request_locale(request))
            return await case_page(
                request, portal, services, staff, serial_number, errors, status=error.status_code
            )
        return Redirect(f"{portal.base}/work/cases/{serial_number}", status_code=303)

    @get("/files/{blob_id:uuid}")
    async def material(
        self,
        request: Request[Any, Any, Any],
        blob_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        blob = await get_readable_blob(blob_id, portal.tenant.id, staff)
        inline = request.query_params.get("inline") == "1"
        return await download_response(services.blobs, blob, inline=inline)

    @get("/documents/{document_id:uuid}")
    async def document(
        self,
        request: Request[Any, Any, Any],
        document_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        blob = await document_file(portal.tenant, staff, document_id)
        return await download_response(services.blobs, blob)


def _yuan_to_fen(text: str) -> int | None:
    """ "12.5" → 1250; None for anything that is not a sum of money."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


async def _comments(
    portal: Portal, staff: Principal, serial_number: str
) -> tuple[uuid.UUID, list[Any]] | None:
    """The case's comments, for staff handling it (others see the case, not the notes)."""
    try:
        return await case_comments(portal.tenant, staff, serial_number)
    except Forbidden:
        return None


async def case_page(
    request: Request[Any, Any, Any],
    portal: Portal,
    services: Services,
    staff: Principal,
    serial_number: str,
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Response[str]:
    locale = request_locale(request)
    state = await case_state(portal.tenant, staff, serial_number, locale)
    case = await load_case(portal.tenant, serial_number)
    ctx = await case_context(case, portal.tenant)
    machine_state = CaseState.from_builtins(cast(dict[str, Any], case.state))
    step_actions = []
    for active in machine_state.active:
        placed = ctx.places.get(active.step)
        if placed is None:
            continue
        for flow_action in placed.step.actions:
            zh, en = STEP_ACTIONS.get(flow_action.name, (flow_action.name, flow_action.name))
            step_actions.append(
                {
                    "step": active.step,
                    "step_name": Localized(placed.step.name, placed.step.name_en).pick(locale),
                    "action": flow_action.name,
                    "label": Localized(zh, en).pick(locale),
                    "needs_reason": flow_action.opinion_required
                    or flow_action.name in NEEDS_REASON,
                }
            )
    installed = services.registry.items.get(case.item_code)
    spec = installed.spec if installed else None
    labels = spec.form.labels() if spec else {}
    today, calendar = await _today_and_calendar(portal)
    # Read once for the three supervision boxes below.
    grants = await grants_of(staff.id, portal.tenant)
    # The open tasks' deadlines: the same the work list shows.
    open_dues = await Task.select(Task.due_on).where(
        (Task.case == case.id) & (Task.status == "open") & Task.due_on.is_not_null()
    )
    due = min((r["due_on"] for r in open_dues), default=None)
    active_steps = {a.step for a in machine_state.active}
    risks = [
        Localized(r.text, r.text_en).pick(locale)
        for r in (spec.risk_points if spec else ())
        if not r.step or r.step in active_steps
    ]
    materials = await CaseMaterial.select(
        CaseMaterial.id,
        CaseMaterial.material_code,
        CaseMaterial.trust_level,
        CaseMaterial.blob,
        CaseMaterial.blob.filename,
        CaseMaterial.blob.content_type,
    ).where(CaseMaterial.case == case.id)
    names = (
        {m.code: Localized(m.name, m.name_en).pick(locale) for m in spec.materials} if spec else {}
    )
    return render(
        request,
        "work/case.html",
        status=status,
        portal=portal,
        staff=staff,
        state=state,
        case=case,
        form=[
            (Localized(*labels.get(k, (k, k))).pick(locale), v)
            for k, v in cast(dict[str, Any], case.form or {}).items()
        ],
        item_name=Localized(spec.name, spec.name_en).pick(locale) if spec else case.item_code,
        materials=[
            {**m, "name": names.get(m["material_code"], m["material_code"])} for m in materials
        ],
        documents=await documents_of_case(portal.tenant, staff, serial_number),
        step_actions=step_actions,
        multi_step=len({a["step"] for a in step_actions}) > 1,
        signal=deadline_signal(calendar, due, today),
        cards=await signals_of_case(case.id, locale),
        tickets=(
            await list_tickets(portal.tenant, staff, locale, case_id=case.id, grants=grants)
        ).items,
        supervising=await is_supervising(portal.tenant, staff, grants),
        terminations=await termination_requests(
            portal.tenant, staff, locale, case_id=case.id, grants=grants
        ),
        risks=risks,
        bands=await bands_for(services, portal.tenant, serial_number, locale)
        if step_actions
        else [],
        check=await completeness(case, spec, locale) if spec else None,
        case_actions=[(k, v.pick(locale)) for k, v in CASE_ACTIONS.items()],
        procedures=[(k, v.pick(locale)) for k, v in SPECIAL_PROCEDURES.items()],
        grounds=list(cast(dict[str, Any], case.flow or {}).get("suspension_grounds") or ()),
        trail_steps=sorted({t.step for t in machine_state.trail if t.step}),
        fees=case.fees or [],
        orders=await orders_of_case(portal.tenant, staff, serial_number),
        comments=await _comments(portal, staff, serial_number),
        errors=errors,
        done=request.query_params.get("done", ""),
    )
