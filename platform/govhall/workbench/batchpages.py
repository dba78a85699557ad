"""The workbench's batch pages (批量办件, R-W5): pick a batch item, enter the shared
part and the persons (the filled-in template or typed lines), see every row with
its errors and failed checks highlighted, remove rows, accept the batch in one
action and print every person's receipt line. The services in
:mod:`govhall.cases.batches` do the work, as for the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect

from govhall.cases.agent import WalkInApplicant
from govhall.cases.batchcontrollers import XLSX, xlsx_rows
from govhall.cases.batches import (
    ROW_FILTERS,
    BatchAccept,
    BatchIn,
    RowsRemoval,
    accept_batch,
    batch_rows,
    batch_summary,
    create_batch,
    read_typed,
    receipts_download,
    remove_rows,
    rows_spec,
    template_xlsx,
)
from govhall.cases.tables import Batch
from govhall.catalog.forms import describe_fields
from govhall.errors import GovhallError
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages
from govhall.services import Services
from govhall.workbench.pages import _login, signed_in_staff

MultipartPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PER_PAGE = 100


async def _batch_items(services: Services, portal: Portal) -> list[Any]:
    """The batch items this government offers (one catalogue read)."""
    offered = await services.catalog.tenant_items(portal.tenant)
    return sorted(
        (i.installed for i in offered if i.installed.spec.batch), key=lambda i: i.spec.code
    )


def _shared_fields(spec: Any) -> list[dict[str, Any]]:
    return [f for f in describe_fields(spec.form) if f["name"] != spec.batch_rows]


class BatchPages(Controller):
    path = "/work/batches"
    tags = ("workbench",)
    include_in_schema = False

    async def _new(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        services: Services,
        item_code: str,
        status: int = 200,
        entered: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        items = await _batch_items(services, portal)
        chosen = next((i for i in items if i.spec.code == item_code), items[0] if items else None)
        recent = (
            await Batch.select(
                Batch.id,
                Batch.item_code,
                Batch.applicant_name,
                Batch.status,
                Batch.rows_total,
                Batch.created_at,
            )
            .where(Batch.tenant == portal.tenant.id)
            .order_by(Batch.created_at, ascending=False)
            .limit(20)
        )
        return render(
            request,
            "work/batches.html",
            status=status,
            portal=portal,
            staff=staff,
            items=items,
            chosen=chosen,
            shared=_shared_fields(chosen.spec) if chosen else [],
            params=[p for c in chosen.spec.batch_checks for p in c.params] if chosen else [],
            checks=chosen.spec.batch_checks if chosen else (),
            recent=recent,
            entered=entered or {},
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
        return await self._new(request, portal, services, item)

    @get("/template/{item_code:str}")
    async def template(
        self,
        request: Request[Any, Any, Any],
        item_code: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        if signed_in_staff(request, portal) is None:
            return _login(request, portal)
        spec = (await services.catalog.tenant_item(portal.tenant, item_code)).installed.spec
        rows_spec(spec)
        return Response(
            template_xlsx(spec, request_locale(request)),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="batch-{spec.code}.xlsx"'},
        )

    @post("/")
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: MultipartPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        item_code = str(data.get("item_code") or "")
        entered = {k: v for k, v in data.items() if isinstance(v, str)}
        try:
            spec = (await services.catalog.tenant_item(portal.tenant, item_code)).installed.spec
            shared: dict[str, Any] = {}
            for f in _shared_fields(spec):
                value = str(data.get(f"s.{f['name']}") or "").strip()
                if value:
                    shared[f["name"]] = (
                        msgspec.json.decode(value) if f["type"] in ("integer", "number") else value
                    )
            batch = BatchIn(
                item_code=item_code,
                applicant=WalkInApplicant(
                    kind="enterprise"
                    if data.get("applicant_kind") != "individual"
                    else "individual",
                    name=str(data.get("applicant_name") or "").strip(),
                    credit_code=str(data.get("credit_code") or "").strip() or None,
                    id_number=str(data.get("id_number") or "").strip() or None,
                ),
                shared=shared,
                params={k[2:]: v for k, v in data.items() if k.startswith("p.") and str(v).strip()},
            )
            typed = str(data.get("typed") or "")
            if typed.strip():
                rows, source = read_typed(spec, typed), "typed"
            else:
                rows, source = (
                    await xlsx_rows(services, portal.tenant, item_code, data.get("file")),
                    "xlsx",
                )
            made = await create_batch(services, portal.tenant, staff, batch, rows, source)
        except GovhallError as exc:
            errors = error_messages(exc, request_locale(request))
            return await self._new(
                request, portal, services, item_code, exc.status_code, entered, errors
            )
        except msgspec.DecodeError:
            return await self._new(
                request, portal, services, item_code, 422, entered, {"form": "?"}
            )
        return Redirect(f"{portal.base}/work/batches/{made.id}", status_code=303)

    @get("/{batch_id:uuid}")
    async def batch(
        self,
        request: Request[Any, Any, Any],
        batch_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
        show: FromQuery[str] = "problems",
        page: FromQuery[int] = 1,
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        summary = await batch_summary(services, portal.tenant, staff, batch_id)
        rows, total = await batch_rows(
            portal.tenant, staff, batch_id, show=show, page=page, per_page=PER_PAGE
        )
        spec = services.registry.items[summary.item_code].spec
        _, row_schema, _ = rows_spec(spec)
        return render(
            request,
            "work/batch.html",
            portal=portal,
            staff=staff,
            summary=summary,
            rows=rows,
            total=total,
            show=show,
            filters=ROW_FILTERS,
            page=page,
            pages=max(1, -(-total // PER_PAGE)),
            columns=[
                (name, f.get("title", name), f.get("x-title-en", f.get("title", name)))
                for name, f in row_schema["properties"].items()
            ],
            checks={c.code: c for c in spec.batch_checks},
        )

    @post("/{batch_id:uuid}/removals")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        batch_id: FromPath[uuid.UUID],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        picked = data.get("row") or []
        picked = picked if isinstance(picked, list) else [picked]
        await remove_rows(
            services,
            portal.tenant,
            staff,
            batch_id,
            RowsRemoval(
                rows=[int(r) for r in picked if str(r).isdigit()],
                flagged=data.get("flagged") == "1",
                removed=data.get("restore") != "1",
            ),
        )
        show = str(data.get("show") or "problems")
        return Redirect(f"{portal.base}/work/batches/{batch_id}?show={show}", status_code=303)

    @post("/{batch_id:uuid}/acceptance")
    async def accept(
        self,
        request: Request[Any, Any, Any],
        batch_id: FromPath[uuid.UUID],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        opinion = str(data.get("opinion") or "")
        await accept_batch(services, portal.tenant, staff, batch_id, BatchAccept(opinion=opinion))
        return Redirect(f"{portal.base}/work/batches/{batch_id}?show=all", status_code=303)

    @get("/{batch_id:uuid}/receipts")
    async def receipts(
        self,
        request: Request[Any, Any, Any],
        batch_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        content = await receipts_download(
            services, portal.tenant, staff, batch_id, request_locale(request)
        )
        return Response(
            content,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="receipts-{batch_id}.xlsx"'},
        )
