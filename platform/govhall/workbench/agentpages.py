"""The window's agent application page (代申请, R-W2): a clerk enters a walk-in
applicant's case — identity by resident ID or credit code (checked like at
registration), the item's form, scans of each material (several files per
material, images or PDF) — and prints the receipt with serial number and query
code. The service is :func:`govhall.cases.agent.apply_for_walk_in`, as for the API.

Files already stored when something else is wrong are kept: the page comes back
with them listed (as hidden references), so nothing is scanned twice."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery

from govhall.cases.agent import AgentApplication, WalkInApplicant, apply_for_walk_in
from govhall.cases.schemas import MaterialRef
from govhall.errors import GovhallError
from govhall.portal.drafts import read_posted_form, visible_fields
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages, posted_materials
from govhall.services import Services
from govhall.storage.tables import BlobRecord
from govhall.workbench.pages import _login, signed_in_staff

Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


async def _offered(services: Services, portal: Portal) -> list[Any]:
    """The items this government offers that are applied for one at a time (one
    catalogue read)."""
    offered = await services.catalog.tenant_items(portal.tenant)
    return sorted(
        (i for i in offered if not i.installed.spec.batch), key=lambda i: i.installed.spec.code
    )


class AgentPages(Controller):
    path = "/work/agent"
    tags = ("workbench",)
    include_in_schema = False

    async def _form(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        services: Services,
        item_code: str,
        *,
        status: int = 200,
        entered: dict[str, Any] | None = None,
        kept: list[dict[str, Any]] | None = None,
        errors: dict[str, str] | None = None,
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        items = await _offered(services, portal)
        chosen = next((i for i in items if i.installed.spec.code == item_code), None)
        values = read_posted_form(chosen.installed.spec.form, entered or {}) if chosen else {}
        return render(
            request,
            "work/agent.html",
            status=status,
            portal=portal,
            staff=staff,
            items=items,
            chosen=chosen,
            fields=visible_fields(chosen.installed.spec.form, values) if chosen else [],
            values=values,
            entered=entered or {},
            kept=kept or [],
            errors=errors or {},
        )

    @get("/")
    async def start(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
        item: FromQuery[str] = "",
    ) -> Response[Any]:
        if signed_in_staff(request, portal) is None:
            return _login(request, portal)
        return await self._form(request, portal, services, item)

    @post("/")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        data: Multipart,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        locale = request_locale(request)
        item_code = str(data.get("item_code") or "")
        entered = {k: v for k, v in data.items() if isinstance(v, str)}
        kept = _kept(data)
        try:
            refs = kept + await posted_materials(data, portal.tenant.id, staff, services)
            kept = refs
            spec = (await services.catalog.tenant_item(portal.tenant, item_code)).installed.spec
            kind: Literal["individual", "enterprise"] = (
                "enterprise" if data.get("applicant_kind") == "enterprise" else "individual"
            )
            receipt = await apply_for_walk_in(
                services,
                portal.tenant,
                staff,
                AgentApplication(
                    applicant=WalkInApplicant(
                        kind=kind,
                        name=str(data.get("applicant_name") or "").strip(),
                        id_number=str(data.get("id_number") or "").strip() or None,
                        credit_code=str(data.get("credit_code") or "").strip() or None,
                        phone=str(data.get("phone") or "").strip() or None,
                    ),
                    item_code=item_code,
                    form=read_posted_form(spec.form, data),
                    materials=refs,
                    handling_unit=str(data.get("handling_unit") or "") or None,
                ),
                locale,
            )
        except GovhallError as error:
            names = await _names(kept)
            return await self._form(
                request,
                portal,
                services,
                item_code,
                status=error.status_code,
                entered=entered,
                kept=[
                    {
                        "code": r.material_code,
                        "blob_id": r.blob_id,
                        "name": names.get(r.blob_id, ""),
                    }
                    for r in kept
                ],
                errors=error_messages(error, locale),
            )
        return render(
            request,
            "work/agent_receipt.html",
            status=201,
            portal=portal,
            staff=staff,
            receipt=receipt,
            item=spec,
            applicant=str(data.get("applicant_name") or ""),
        )


def _kept(data: dict[str, Any]) -> list[MaterialRef]:
    """Files stored on an earlier try of this form (``keep`` = "code:blob id")."""
    values = data.get("keep") or []
    refs = []
    for value in values if isinstance(values, list) else [values]:
        code, _, blob = str(value).partition(":")
        try:
            refs.append(MaterialRef(material_code=code, blob_id=uuid.UUID(blob)))
        except ValueError:
            continue
    return refs


async def _names(refs: list[MaterialRef]) -> dict[uuid.UUID, str]:
    if not refs:
        return {}
    rows = await BlobRecord.select(BlobRecord.id, BlobRecord.filename).where(
        BlobRecord.id.is_in([r.blob_id for r in refs])
    )
    return {r["id"]: r["filename"] for r in rows}
