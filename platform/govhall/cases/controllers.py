"""Applications, progress and staff actions under ``/t/{tenant}/api/v1``."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.cases.schemas import (
    ApplicationCreate,
    ApplicationOut,
    CaseAction,
    CaseActionOut,
    ProgressOut,
)
from govhall.cases.services import announce_action, progress, submit_application
from govhall.i18n import Localized
from govhall.identity.tokens import Principal
from govhall.notify.services import notify_applicant
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import require_staff_of
from govhall.workflow.engine import perform_action
from govhall.workflow.labels import STATUS_LABELS, label


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
        summary="Act on a case at its current step (staff)",
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
        outcome = await perform_action(tenant, staff, serial_number, data.action, data.opinion)
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
            opinion=data.opinion.strip(),
        )
        return CaseActionOut(
            serial_number=serial_number,
            action=outcome.action,
            status=outcome.to_status,
            status_label=label(STATUS_LABELS, outcome.to_status).pick(locale),
            step=outcome.step,
            decision=outcome.decision,
        )
