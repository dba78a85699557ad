"""Notifications over the API: the caller's inbox (``/t/{tenant}/api/v1/inbox``), an
account's channel choice (``/api/v1/me/notification-preferences``), and for tenant
administrators the failed deliveries, message wording and channel plugins."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from govhall.identity.access import require_party_of
from govhall.identity.tokens import Principal
from govhall.notify import deliveries
from govhall.notify.deliveries import (
    ChannelsIn,
    FailedDelivery,
    PreferenceIn,
    PreferenceOut,
    TemplateIn,
    TemplateOut,
)
from govhall.notify.services import InboxEntry, inbox, mark_read
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo


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

    @post("/{message_id:uuid}/read", status_code=204, summary="Mark a message as read")
    async def read(
        self,
        message_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await mark_read(tenant, require_party_of(principal, tenant), message_id)


class PreferenceController(Controller):
    path = "/api/v1/me/notification-preferences"
    tags = ("notify",)

    @get("/", summary="How the caller wants to hear about cases")
    async def show(self, principal: NamedDependency[Principal]) -> PreferenceOut:
        return await deliveries.preference_of(principal)

    @put("/", summary="Choose SMS and/or e-mail besides the inbox (verified addresses only)")
    async def choose(
        self, data: JSONBody[PreferenceIn], principal: NamedDependency[Principal]
    ) -> PreferenceOut:
        return await deliveries.set_preference(principal, data)


class NotifyAdminController(Controller):
    tags = ("notify",)

    @get("/notification-failures", summary="SMS and e-mails that failed after every retry")
    async def failures(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[FailedDelivery]:
        return await deliveries.failed_deliveries(tenant, principal)

    @post(
        "/notification-failures/{delivery_id:uuid}/retry",
        status_code=202,
        summary="Send a failed delivery again",
    )
    async def retry(
        self,
        delivery_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> None:
        await deliveries.retry_delivery(tenant, principal, delivery_id, services.queue)

    @get("/notification-templates", summary="Every message's wording, built-in and the tenant's")
    async def templates(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[TemplateOut]:
        return await deliveries.templates_of(tenant, principal)

    @put("/notification-templates", summary="Reword a message in one language (empty: default)")
    async def save_template(
        self,
        data: JSONBody[TemplateIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> TemplateOut:
        return await deliveries.save_template(tenant, principal, data)

    @put("/notification-channels", summary="Choose the SMS and e-mail channel plugins")
    async def channels(
        self,
        data: JSONBody[ChannelsIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ChannelsIn:
        return await deliveries.set_tenant_channels(tenant, principal, data)
