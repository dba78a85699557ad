"""Applications, progress and staff actions under ``/t/{tenant}/api/v1``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.cases.projects import (
    PartAdd,
    PartRemove,
    ProjectCreate,
    ProjectOut,
    add_part,
    create_project,
    may_view_project,
    project_view,
    remove_part,
)
from govhall.cases.schemas import (
    ApplicationCreate,
    ApplicationOut,
    CaseAction,
    CaseActionOut,
    CaseStateOut,
    ProgressOut,
    WithdrawRequest,
)
from govhall.cases.services import announce_action, progress, submit_application
from govhall.i18n import Localized
from govhall.identity.tokens import Principal
from govhall.notify.services import notify_applicant
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import client_ip, require_staff_of
from govhall.workflow.engine import ActionRequest, perform_action
from govhall.workflow.labels import STATUS_LABELS, label
from govhall.workflow.services import ApplicantOut, case_applicant, case_history, case_state


class CaseController(Controller):
    tags = ("cases",)

    @post("/applications", status_code=201, summary="Submit an application (网上申报)")
    async def submit(
        self,
        data: JSONBody[ApplicationCreate],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> ApplicationOut:
        receipt, case_id, item = await submit_application(
            tenant=tenant,
            applicant=principal,
            data=data,
            catalog=services.catalog,
            registry=services.registry,
            secret_key=services.settings.secret_key,
        )
        spec = item.installed.spec
        await notify_applicant(
            services.queue,
            tenant=tenant,
            applicant_id=principal.id,
            case_id=case_id,
            event_seq=1,
            template="case_submitted",
            item=Localized(spec.name, spec.name_en),
            serial_number=receipt.serial_number,
        )
        receipt.status_label = label(STATUS_LABELS, receipt.status).pick(locale)
        return receipt

    @get("/progress", summary="Progress by serial number and query code (no login)")
    async def query_progress(
        self,
        serial_number: FromQuery[str],
        query_code: FromQuery[str],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> ProgressOut:
        return await progress(
            tenant=tenant,
            serial_number=serial_number,
            query_code=query_code,
            secret_key=services.settings.secret_key,
            catalog=services.catalog,
            locale=locale,
        )

    @post(
        "/cases/{serial_number:str}/actions",
        status_code=200,
        summary="Act on a case: a step's action or a case-level one (staff)",
    )
    async def act(
        self,
        serial_number: FromPath[str],
        data: JSONBody[CaseAction],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> CaseActionOut:
        staff = require_staff_of(principal, tenant)
        request = ActionRequest(
            action=data.action, opinion=data.opinion, step=data.step, data=data.data
        )
        return await _act(services, tenant, staff, serial_number, request, locale)

    @post(
        "/applications/{serial_number:str}/withdraw",
        status_code=200,
        summary="Withdraw one's own application before a decision (撤回)",
    )
    async def withdraw(
        self,
        serial_number: FromPath[str],
        data: JSONBody[WithdrawRequest],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> CaseActionOut:
        request = ActionRequest(action="withdraw", opinion=data.reason)
        return await _act(services, tenant, principal, serial_number, request, locale)

    @get("/cases/{serial_number:str}", summary="A case as it stands: state, clock, steps (staff)")
    async def show(
        self,
        serial_number: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> CaseStateOut:
        return await case_state(tenant, principal, serial_number, locale)

    @get(
        "/cases/{serial_number:str}/applicant",
        summary="The applicant's real-name data; ?full=true shows the whole ID (audited)",
    )
    async def applicant(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        full: FromQuery[bool] = False,
    ) -> ApplicantOut:
        return await case_applicant(tenant, principal, serial_number, full, client_ip(request))

    @get(
        "/cases/{serial_number:str}/history",
        summary="A case as it was at a past moment, rebuilt from its events (staff)",
    )
    async def history(
        self,
        serial_number: FromPath[str],
        at: FromQuery[datetime],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> CaseStateOut:
        return await case_history(tenant, principal, serial_number, at, locale)


async def _act(
    services: Services,
    tenant: TenantInfo,
    actor: Principal,
    serial_number: str,
    request: ActionRequest,
    locale: str,
) -> CaseActionOut:
    """Perform, then tell the item's plugin and the applicant (after the commit)."""
    outcome = await perform_action(tenant, actor, serial_number, request)
    await announce_action(services.catalog, tenant, outcome)
    installed = services.registry.items.get(outcome.item_code)
    item = (
        Localized(installed.spec.name, installed.spec.name_en)
        if installed
        else Localized(serial_number)
    )
    await notify_applicant(
        services.queue,
        tenant=tenant,
        applicant_id=outcome.applicant_id,
        case_id=outcome.case_id,
        event_seq=outcome.event_seq,
        template=f"case_{outcome.action}",
        item=item,
        serial_number=serial_number,
        opinion=request.opinion.strip(),
    )
    return CaseActionOut(
        serial_number=serial_number,
        action=outcome.action,
        status=outcome.to_status,
        status_label=label(STATUS_LABELS, outcome.to_status).pick(locale),
        step=outcome.step,
        decision=outcome.decision,
        due_on=outcome.state.clock.promised_due_on,
    )


class ProjectController(Controller):
    """Parallel approval projects and bundled services (并联审批 / 一件事)."""

    path = "/projects"
    tags = ("cases",)

    @post("/", status_code=201, summary="Apply for several items at once (one form)")
    async def create(
        self,
        data: JSONBody[ProjectCreate],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> ProjectOut:
        return await create_project(
            tenant=tenant,
            applicant=principal,
            data=data,
            catalog=services.catalog,
            registry=services.registry,
            secret_key=services.settings.secret_key,
            locale=locale,
        )

    @get("/{number:str}", summary="A project and the state of each part")
    async def show(
        self,
        number: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> ProjectOut:
        await may_view_project(tenant, principal, number)
        return await project_view(tenant, number, services.registry, locale)

    @post("/{number:str}/parts", status_code=201, summary="Add a co-department's item (lead)")
    async def add(
        self,
        number: FromPath[str],
        data: JSONBody[PartAdd],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> ProjectOut:
        return await add_part(
            tenant=tenant,
            staff=principal,
            number=number,
            data=data,
            catalog=services.catalog,
            registry=services.registry,
            secret_key=services.settings.secret_key,
            locale=locale,
        )

    @post(
        "/{number:str}/parts/{item_code:str}/remove",
        status_code=200,
        summary="Remove a co-department's item; its case is terminated (lead)",
    )
    async def remove(
        self,
        number: FromPath[str],
        item_code: FromPath[str],
        data: JSONBody[PartRemove],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> ProjectOut:
        return await remove_part(
            tenant=tenant,
            staff=principal,
            number=number,
            item_code=item_code,
            data=data,
            registry=services.registry,
            locale=locale,
        )
