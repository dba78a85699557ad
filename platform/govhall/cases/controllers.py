"""Applications, progress and staff actions under ``/t/{tenant}/api/v1``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.cases.agent import AgentApplication, apply_for_walk_in
from govhall.cases.applying import (
    CorrectionIn,
    act_and_notify,
    file_application,
    receipt_for,
    supply_correction,
)
from govhall.cases.certificates import CertificateOut, certificates_of
from govhall.cases.enterprise import (
    DeclineIn,
    SubmissionOut,
    confirm_submission,
    decline_submission,
    list_submissions,
)
from govhall.cases.materials import mark_original_checked
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
from govhall.cases.search import (
    EXPORT_LIMIT,
    CasePage,
    CaseQuery,
    search_cases,
    to_csv,
    to_xlsx,
)
from govhall.cases.services import progress
from govhall.errors import NotFound
from govhall.i18n import N_
from govhall.identity.access import require_account, require_party_of, require_staff_of
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.portal.offline import XLSX_TYPE
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import client_ip
from govhall.workflow.engine import ActionRequest
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
    ) -> Response[ApplicationOut | SubmissionOut]:
        """With ``on_behalf_of`` an enterprise member applies for it; an operator's
        application for an item needing review answers 202 with the held submission."""
        filed = await file_application(services, tenant, principal, data, locale)
        return Response(filed, status_code=202 if isinstance(filed, SubmissionOut) else 201)

    @get("/enterprise-submissions", summary="An enterprise's applications awaiting review")
    async def submissions(
        self,
        enterprise: FromQuery[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> list[SubmissionOut]:
        return await list_submissions(tenant, require_account(principal), enterprise)

    @post(
        "/enterprise-submissions/{submission_id:uuid}/confirm",
        status_code=201,
        summary="A reviewer (审核人) confirms an operator's application: it is submitted",
    )
    async def confirm_submission(
        self,
        submission_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> ApplicationOut:
        submitted = await confirm_submission(
            tenant=tenant,
            reviewer=require_account(principal),
            submission_id=submission_id,
            catalog=services.catalog,
            registry=services.registry,
            secret_key=services.settings.secret_key,
        )
        return await receipt_for(services, tenant, submitted, locale)

    @post(
        "/enterprise-submissions/{submission_id:uuid}/decline",
        status_code=200,
        summary="A reviewer returns an operator's application with a reason",
    )
    async def decline_submission(
        self,
        submission_id: FromPath[uuid.UUID],
        data: JSONBody[DeclineIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> SubmissionOut:
        return await decline_submission(tenant, require_account(principal), submission_id, data)

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
        return await act_and_notify(services, tenant, staff, serial_number, request, locale)

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
        return await act_and_notify(services, tenant, principal, serial_number, request, locale)

    @post(
        "/applications/{serial_number:str}/correction",
        status_code=200,
        summary="Hand in the corrected materials a correction notice asked for (补正)",
    )
    async def correction(
        self,
        serial_number: FromPath[str],
        data: JSONBody[CorrectionIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> CaseActionOut:
        applicant = require_account(principal)
        return await supply_correction(services, tenant, applicant, serial_number, data, locale)

    @post(
        "/cases/{serial_number:str}/materials/{material_id:uuid}/original-checked",
        status_code=200,
        summary="The clerk checked a material's original: trust C becomes B (audited)",
    )
    async def original_checked(
        self,
        serial_number: FromPath[str],
        material_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> dict[str, str]:
        level = await mark_original_checked(tenant, principal, serial_number, material_id)
        return {"trust_level": level}

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
            applicant=require_account(principal),
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
        await may_view_project(tenant, require_party_of(principal, tenant), number)
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
            staff=require_staff_of(principal, tenant),
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
            staff=require_staff_of(principal, tenant),
            number=number,
            item_code=item_code,
            data=data,
            registry=services.registry,
            locale=locale,
        )


class ECertificateController(Controller):
    """The caller's e-certificates (电子证照), across the governments that issued them."""

    path = "/api/v1/me/certificates"
    tags = ("cases",)

    @get("/", summary="The caller's e-certificates (电子证照)")
    async def mine(self, principal: NamedDependency[Principal]) -> list[CertificateOut]:
        return await certificates_of(principal)


class AgentController(Controller):
    tags = ("cases",)

    @post(
        "/agent-applications",
        status_code=201,
        summary="代申请: a clerk enters a walk-in applicant's application (receipt to print)",
    )
    async def walk_in(
        self,
        data: JSONBody[AgentApplication],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> ApplicationOut:
        return await apply_for_walk_in(services, tenant, principal, data, locale)


class CaseSearchController(Controller):
    """Combined-condition queries over the cases in the caller's units, and exports."""

    tags = ("cases",)

    @get("/cases", summary="Search cases (staff): item, status, dates, serial/applicant")
    async def search(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
        item: FromQuery[str] = "",
        status: FromQuery[str] = "",
        q: FromQuery[str] = "",
        submitted_from: FromQuery[date | None] = None,
        submitted_to: FromQuery[date | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = 20,
    ) -> CasePage:
        query = CaseQuery(
            item=item,
            status=status,
            q=q,
            submitted_from=submitted_from,
            submitted_to=submitted_to,
            page=page,
            page_size=page_size,
        )
        return await search_cases(tenant, principal, query, services.registry, locale)

    @get("/case-exports/{fmt:str}", summary="Export a case search as csv or xlsx (staff)")
    async def export(
        self,
        fmt: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
        item: FromQuery[str] = "",
        status: FromQuery[str] = "",
        q: FromQuery[str] = "",
        submitted_from: FromQuery[date | None] = None,
        submitted_to: FromQuery[date | None] = None,
    ) -> Response[bytes]:
        return await export_response(
            tenant,
            principal,
            CaseQuery(
                item=item,
                status=status,
                q=q,
                submitted_from=submitted_from,
                submitted_to=submitted_to,
            ),
            fmt,
            services.registry,
            locale,
        )


async def export_response(
    tenant: TenantInfo,
    staff: Principal,
    query: CaseQuery,
    fmt: str,
    registry: PluginRegistry,
    locale: str,
) -> Response[bytes]:
    if fmt not in ("csv", "xlsx"):
        raise NotFound(N_("只能导出 CSV 或 XLSX"), code="export_format")
    found = await search_cases(tenant, staff, query, registry, locale, limit=EXPORT_LIMIT)
    zone = ZoneInfo(tenant.time_zone)
    if fmt == "csv":
        content, media = to_csv(found.rows, locale, zone), "text/csv; charset=utf-8"
    else:
        content, media = to_xlsx(found.rows, locale, zone), XLSX_TYPE
    return Response(
        content,
        media_type=media,
        headers={"content-disposition": f"attachment; filename=cases.{fmt}"},
    )
