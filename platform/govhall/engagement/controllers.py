"""Consultations, complaints, the leader mailbox and ratings under ``/t/{tenant}/api/v1``."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.engagement import services as engagement
from govhall.engagement.services import (
    AnswerIn,
    ComplaintIn,
    ComplaintOut,
    ConsultationIn,
    ConsultationOut,
    HandleIn,
    RatingIn,
    RatingOut,
)
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo


class ConsultationController(Controller):
    path = "/consultations"
    tags = ("engagement",)

    @get("/", summary="Answered consultations published on the portal (no login)")
    async def published(
        self, tenant: NamedDependency[TenantInfo], item: FromQuery[str] = ""
    ) -> list[ConsultationOut]:
        return await engagement.published_consultations(tenant, item)

    @post("/", status_code=201, summary="Ask a question (咨询), about an item or in general")
    async def ask(
        self,
        data: JSONBody[ConsultationIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> ConsultationOut:
        items = {i.installed.spec.code for i in await services.catalog.tenant_items(tenant)}
        return await engagement.ask(tenant, principal, data, items)

    @get("/mine", summary="The caller's own questions and their answers")
    async def mine(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[ConsultationOut]:
        return await engagement.my_consultations(tenant, principal)

    @get("/open", summary="Questions waiting for an answer (staff)")
    async def open(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[ConsultationOut]:
        return await engagement.open_consultations(tenant, principal)

    @post("/{consultation_id:uuid}/answer", status_code=200, summary="Answer, and publish (staff)")
    async def answer(
        self,
        consultation_id: FromPath[uuid.UUID],
        data: JSONBody[AnswerIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ConsultationOut:
        return await engagement.answer(tenant, principal, consultation_id, data)


class ComplaintController(Controller):
    path = "/complaints"
    tags = ("engagement",)

    @post("/", status_code=201, summary="File a complaint or write to the leader mailbox")
    async def file(
        self,
        data: JSONBody[ComplaintIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ComplaintOut:
        return await engagement.file_complaint(tenant, principal, data)

    @get("/", summary="Complaints and letters to handle (supervisors, tenant admins)")
    async def for_handling(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        status: FromQuery[str] = "",
    ) -> list[ComplaintOut]:
        return await engagement.complaints_for_handling(tenant, principal, status)

    @get("/mine", summary="The caller's own complaints and letters, with outcomes")
    async def mine(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[ComplaintOut]:
        return await engagement.my_complaints(tenant, principal)

    @get("/disclosed", summary="Outcomes of accepted complaints, disclosed (no login)")
    async def disclosed(self, tenant: NamedDependency[TenantInfo]) -> list[ComplaintOut]:
        return await engagement.disclosed_complaints(tenant)

    @post("/{complaint_id:uuid}/handle", status_code=200, summary="Accept or dismiss, with outcome")
    async def handle(
        self,
        complaint_id: FromPath[uuid.UUID],
        data: JSONBody[HandleIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ComplaintOut:
        return await engagement.handle_complaint(tenant, principal, complaint_id, data)


class RatingController(Controller):
    tags = ("engagement",)

    @post(
        "/cases/{serial_number:str}/rating",
        status_code=201,
        summary="Rate a concluded case (好差评, 1–5; 1–2 need a reason; once per case)",
    )
    async def rate(
        self,
        serial_number: FromPath[str],
        data: JSONBody[RatingIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> RatingOut:
        return await engagement.rate_case(tenant, principal, serial_number, data)
