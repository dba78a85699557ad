"""The caller's inbox: ``/t/{tenant}/api/v1/inbox``."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from govhall.identity.tokens import Principal
from govhall.notify.services import InboxEntry, inbox
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import require_party_of


class InboxController(Controller):
    path = "/inbox"
    tags = ("notify",)

    @get("/", summary="Notifications for the caller (站内信)")
    async def list_messages(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> list[InboxEntry]:
        return await inbox(tenant, require_party_of(principal, tenant), locale)
