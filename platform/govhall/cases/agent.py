"""Agent application (代申请, R-W2): window or village staff enter a walk-in
applicant's case with scanned materials. The applicant is identified by their
resident ID / credit code (checked like at registration): an existing account is
used, or one is opened for them on this portal (they can take it over later by a
password reset through a verified phone). The submission records who entered it.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Literal

import msgspec

from govhall.audit.services import Actor, record
from govhall.cases.applying import receipt_for
from govhall.cases.schemas import ApplicationCreate, ApplicationOut, MaterialRef
from govhall.cases.services import submit_application
from govhall.errors import Forbidden
from govhall.i18n import N_
from govhall.identity import fieldcrypt, realname
from govhall.identity.access import require_staff_of
from govhall.identity.schemas import AccountCreate
from govhall.identity.services import grants_of, register_account
from govhall.identity.tables import Account
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo

if TYPE_CHECKING:
    from govhall.services import Services

#: Who may enter applications for walk-in applicants.
AGENT_ROLES = frozenset({"clerk"})


class WalkInApplicant(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["individual", "enterprise"] = "individual"
    name: str
    id_number: str | None = None
    credit_code: str | None = None
    phone: str | None = None


class AgentApplication(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    applicant: WalkInApplicant
    item_code: str
    form: dict[str, object]
    materials: list[MaterialRef] = msgspec.field(default_factory=list)
    handling_unit: str | None = None


async def account_for_walk_in(
    tenant: TenantInfo, staff: Principal, who: WalkInApplicant
) -> Principal:
    existing = None
    if who.kind == "individual" and who.id_number and realname.is_valid_id_number(who.id_number):
        index = fieldcrypt.cipher().index(realname.normalise_id_number(who.id_number))
        existing = await Account.objects().where(Account.id_number_index == index).first()
    elif who.kind == "enterprise" and who.credit_code:
        code = who.credit_code.strip().upper()
        existing = await Account.objects().where(Account.credit_code == code).first()
    if existing is None:
        # Checked exactly like a registration: a wrong ID number is named, nothing saved.
        made = await register_account(
            AccountCreate(
                username=f"wi{secrets.token_hex(6)}",
                password=secrets.token_urlsafe(24) + "Aa1",
                kind=who.kind,
                name=who.name,
                id_number=who.id_number if who.kind == "individual" else None,
                credit_code=who.credit_code if who.kind == "enterprise" else None,
                phone=who.phone,
                tenant=tenant.slug,
            )
        )
        await record(
            tenant.id,
            Actor(kind="staff", id=str(staff.id), name=staff.name),
            "walk_in_account_opened",
            target=made.username,
        )
        return Principal(kind="account", id=made.id, username=made.username, name=made.name)
    if existing.status != "active":
        raise Forbidden(N_("该账号已停用，请联系管理员"), code="account_disabled")
    return Principal(kind="account", id=existing.id, username=existing.username, name=existing.name)


async def apply_for_walk_in(
    services: Services, tenant: TenantInfo, staff: Principal, data: AgentApplication, locale: str
) -> ApplicationOut:
    require_staff_of(staff, tenant)
    if not any(g.role in AGENT_ROLES for g in await grants_of(staff.id, tenant)):
        raise Forbidden(N_("只有受理人员可以代为申请"), code="role_required")
    applicant = await account_for_walk_in(tenant, staff, data.applicant)
    submitted = await submit_application(
        tenant=tenant,
        applicant=applicant,
        data=ApplicationCreate(
            item_code=data.item_code,
            form=dict(data.form),
            materials=data.materials,
            handling_unit=data.handling_unit,
        ),
        catalog=services.catalog,
        registry=services.registry,
        secret_key=services.settings.secret_key,
        submitter=staff,
        via={"agent": staff.name, "channel": "window"},
    )
    return await receipt_for(services, tenant, submitted, locale)
