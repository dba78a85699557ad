"""Reports API (``/t/{tenant}/api/v1/reports``): run and export any report, the
dashboard's figures, saved reports."""

from __future__ import annotations

import uuid
from datetime import date
from urllib.parse import quote

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.identity.tokens import Principal
from govhall.reports.builder import ReportResult, ReportSpec, run_report
from govhall.reports.services import (
    FORMATS,
    Dashboard,
    RefreshOut,
    SavedIn,
    SavedOut,
    dashboard,
    delete_report,
    export,
    refresh_now,
    save_report,
    saved_report,
    saved_reports,
)
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo


def file_response(content: bytes, fmt: str, name: str) -> Response[bytes]:
    return Response(
        content,
        media_type=FORMATS[fmt],
        headers={
            "content-disposition": f"attachment; filename=report.{fmt}; "
            f"filename*=UTF-8''{quote(name)}.{fmt}"
        },
    )


class ReportController(Controller):
    path = "/reports"
    tags = ("reports",)

    @post("/run", status_code=200, summary="Run a report: dimensions × measures (R-S8)")
    async def run(
        self,
        data: JSONBody[ReportSpec],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        services: NamedDependency[Services],
    ) -> ReportResult:
        return await run_report(tenant, principal, data, locale, services.registry)

    @post("/export", status_code=200, summary="A report as CSV, XLSX or PDF")
    async def export(
        self,
        data: JSONBody[ReportSpec],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        services: NamedDependency[Services],
        format: FromQuery[str] = "csv",
        chart: FromQuery[str] = "bar",
    ) -> Response[bytes]:
        report = await run_report(tenant, principal, data, locale, services.registry)
        title = "报表" if locale != "en" else "Report"
        return file_response(export(report, format, title, chart), format, title)

    @get("/dashboard", summary="The leader dashboard: key figures and four charts' data")
    async def dashboard(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        services: NamedDependency[Services],
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
    ) -> Dashboard:
        return await dashboard(
            tenant, principal, locale, services.registry, date_from=date_from, date_to=date_to
        )

    @post("/refresh", status_code=200, summary="Rebuild this tenant's report data now")
    async def refresh(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> RefreshOut:
        return await refresh_now(tenant, principal)

    @get("/saved", summary="Saved reports: the caller's own and shared ones")
    async def saved(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[SavedOut]:
        return await saved_reports(tenant, principal)

    @post("/saved", summary="Save a report under a name, optionally shared")
    async def save(
        self,
        data: JSONBody[SavedIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> SavedOut:
        return await save_report(tenant, principal, data)

    @get("/saved/{report_id:uuid}/export", summary="A saved report as CSV, XLSX or PDF")
    async def export_saved(
        self,
        report_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
        services: NamedDependency[Services],
        format: FromQuery[str] = "csv",
    ) -> Response[bytes]:
        saved = await saved_report(tenant, principal, report_id)
        report = await run_report(tenant, principal, saved.spec, locale, services.registry)
        return file_response(export(report, format, saved.name, saved.chart), format, saved.name)

    @delete("/saved/{report_id:uuid}", summary="Delete one of the caller's saved reports")
    async def remove(
        self,
        report_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await delete_report(tenant, principal, report_id)
