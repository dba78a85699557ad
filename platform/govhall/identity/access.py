"""Who may act: the access predicates every service checks its caller with.

They belong to identity, not to the web layer: a service, a job or the CLI asks
them as much as an HTTP route does.
"""

from __future__ import annotations

from govhall.errors import Forbidden
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo


def require_staff_of(principal: Principal, tenant: TenantInfo) -> Principal:
    if principal.kind != "staff" or principal.tenant_id != tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以办理"), code="staff_required")
    return principal


def require_account(principal: Principal) -> Principal:
    """A public account (individual or enterprise), on any tenant's portal."""
    if principal.kind != "account":
        raise Forbidden(N_("请使用个人或法人账号办理"), code="account_required")
    return principal


def require_party_of(principal: Principal, tenant: TenantInfo) -> Principal:
    """A public account, or a staff member of this tenant (not another tenant's staff,
    not a platform operator)."""
    if principal.kind == "account":
        return principal
    return require_staff_of(principal, tenant)
