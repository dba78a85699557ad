"""Filing an application and acting on a case, with everything that follows a
commit (the item's plugin is told, the applicant's inbox gets a message): one
path shared by the API, the portal's pages and the staff screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from govhall.cases.certificates import issue_for
from govhall.cases.discretion import enforce
from govhall.cases.enterprise import SubmissionOut, apply_for_enterprise
from govhall.cases.projects import extend_joint_parts
from govhall.cases.schemas import ApplicationCreate, ApplicationOut, CaseActionOut, MaterialRef
from govhall.cases.services import (
    Submitted,
    announce_action,
    check_materials,
    submit_application,
)
from govhall.cases.tables import Case, CaseMaterial
from govhall.documents.services import issue_for_action
from govhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.tokens import Principal
from govhall.notify.services import (
    applicant_params,
    notify_applicant,
    queue_applicant_deliveries,
)
from govhall.supervision.rules import CORRECTING, REFUSING, check_action, correction_items
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.engine import ActionRequest, load_case, perform_action
from govhall.workflow.labels import STATUS_LABELS, label

if TYPE_CHECKING:
    from govhall.services import Services


async def file_application(
    services: Services,
    tenant: TenantInfo,
    principal: Principal,
    data: ApplicationCreate,
    locale: str,
) -> ApplicationOut | SubmissionOut:
    """Submit (for oneself, or for an enterprise with ``on_behalf_of``); an operator's
    application for an item needing review comes back as the held submission."""
    if data.on_behalf_of:
        outcome = await apply_for_enterprise(
            tenant=tenant,
            member=principal,
            data=data,
            catalog=services.catalog,
            registry=services.registry,
            secret_key=services.settings.secret_key,
        )
        if isinstance(outcome, SubmissionOut):
            return outcome
        submitted = outcome
    else:
        submitted = await submit_application(
            tenant=tenant,
            applicant=principal,
            data=data,
            catalog=services.catalog,
            registry=services.registry,
            secret_key=services.settings.secret_key,
        )
    return await receipt_for(services, tenant, submitted, locale)


async def receipt_for(
    services: Services, tenant: TenantInfo, submitted: Submitted, locale: str
) -> ApplicationOut:
    """The receipt for a newly submitted case, and its texts and e-mails on the
    applicant's channels (the inbox message was written with the case)."""
    receipt, case_id, item, applicant_id = submitted
    spec = item.installed.spec
    await queue_applicant_deliveries(
        services.queue,
        tenant=tenant,
        applicant_id=applicant_id,
        case_id=case_id,
        event_seq=1,
        template="case_submitted",
        params=applicant_params(Localized(spec.name, spec.name_en), receipt.serial_number),
    )
    receipt.status_label = label(STATUS_LABELS, receipt.status).pick(locale)
    return receipt


async def act_and_notify(
    services: Services,
    tenant: TenantInfo,
    actor: Principal,
    serial_number: str,
    request: ActionRequest,
    locale: str,
) -> CaseActionOut:
    """Check the discretionary standards of a deciding step, perform, then tell the
    item's plugin and the applicant (after the commit)."""
    request = await enforce(services, tenant, serial_number, request)
    if request.action in CORRECTING and "items" in request.data:
        # What is asked is validated against the item's materials before anything is
        # written: a notice prints names and marked free text, never raw input.
        case = await load_case(tenant, serial_number)
        spec = await services.catalog.spec_of_version(case.item_version)
        request = msgspec.structs.replace(
            request,
            data={**request.data, "items": correction_items(spec, request.data["items"])},
        )
    outcome = await perform_action(tenant, actor, serial_number, request)
    if outcome.action == "extend" and outcome.state.clock.joint:
        await extend_joint_parts(tenant, actor, outcome.case_id, request.opinion.strip())
    if outcome.action in REFUSING or outcome.action in CORRECTING:
        # R-S5: a refusal or correction the item's rules do not support is a red card.
        await check_action(
            outcome.case_id,
            outcome.action,
            [str(i) for i in request.data.get("items", [])],
            request.opinion.strip(),
            await services.catalog.spec_of_version(outcome.item_version),
        )
    if outcome.to_status == "concluded":
        # An approved result that is a certificate enters the holder's library (R-L3).
        spec = await services.catalog.spec_of_version(outcome.item_version)
        await issue_for(tenant, outcome.case_id, spec)
    await issue_for_action(
        services,
        tenant,
        outcome,
        opinion=request.opinion.strip(),
        corrections=[str(i) for i in request.data.get("items", [])],
    )
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


class CorrectionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    materials: list[MaterialRef]
    note: str = ""


async def supply_correction(
    services: Services,
    tenant: TenantInfo,
    applicant: Principal,
    serial_number: str,
    data: CorrectionIn,
    locale: str,
) -> CaseActionOut:
    """The applicant hands in the corrected materials (补正) in one go: each file is
    checked like at submission (declared material, the applicant's own upload, type
    and size), then the case resumes (``receive_correction``) and the files join the case."""
    case = (
        await Case.select(Case.id, Case.item_code, Case.applicant, Case.state, Case.hold)
        .output(load_json=True)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number.strip()))
        .first()
    )
    if case is not None and case["applicant"] != applicant.id:
        raise Forbidden(N_("只有申请人本人可以执行此操作"), code="applicant_only")
    if case is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    if case["hold"] not in ("correction", "returned"):
        raise Conflict(N_("该办件当前无需补正材料"), code="no_correction_requested")
    if not data.materials:
        raise InvalidInput(N_("请上传补正材料"), code="correction_materials_required")
    spec = (await services.catalog.tenant_item(tenant, case["item_code"])).installed.spec
    errors, accepted, _ = await check_materials(
        spec, data.materials, tenant, [applicant], {}, demand_required=False
    )
    if errors:
        raise InvalidInput(
            N_("补正材料有误，请按提示修改后重新提交"), code="invalid_correction", errors=errors
        )
    request = ActionRequest(
        action="receive_correction",
        opinion=data.note.strip(),
        data={"materials": sorted({code for code, _, _ in accepted})},
    )
    out = await act_and_notify(services, tenant, applicant, serial_number, request, locale)
    await CaseMaterial.insert(
        *[
            CaseMaterial(
                tenant=tenant.id,
                case=case["id"],
                material_code=code,
                blob=blob_id,
                trust_level=trust,
            )
            for code, blob_id, trust in accepted
        ]
    )
    return out
