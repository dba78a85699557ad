"""Reports in the workbench: the leader dashboard (key figures and four charts,
each with its data table) and the report builder (choose dimensions, measures and
filters; see the table and chart; export; save and share). Both read the query
string, so a report's address can be bookmarked and sent."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import MultiDict
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from govhall.errors import FieldError, GovhallError, InvalidInput
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages
from govhall.reports.builder import DIMENSIONS, MEASURES, ReportSpec, reporting_scope, run_report
from govhall.reports.controllers import file_response
from govhall.reports.services import (
    KINDS,
    SavedIn,
    dashboard,
    delete_report,
    export,
    refresh_now,
    save_report,
    saved_report,
    saved_reports,
    svg_of,
    table_of,
)
from govhall.services import Services
from govhall.tenancy.orgtree import org_tree
from govhall.workbench.pages import _login, signed_in_staff
from govhall.workflow.labels import STATUS_LABELS

FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def parse_day(text: str, name: str, errors: list[FieldError]) -> date | None:
    """A typed ISO date, or None when empty; a field error when malformed."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(FieldError(name, N_("日期格式应为 年-月-日，例如 2026-01-31")))
        return None


def _day(params: MultiDict[str] | dict[str, Any], name: str, errors: list[FieldError]) -> Any:
    return parse_day(str(params.get(name) or ""), name, errors)


def spec_from(params: MultiDict[str]) -> tuple[ReportSpec, str]:
    """The builder's query string as a spec and chart kind (bad dates: field errors)."""
    errors: list[FieldError] = []
    spec = ReportSpec(
        dimensions=[d for d in params.getall("dimensions", []) if d],
        measures=[m for m in params.getall("measures", []) if m] or ["cases"],
        date_from=_day(params, "date_from", errors),
        date_to=_day(params, "date_to", errors),
        item_code=params.get("item_code", "").strip(),
        unit=params.get("unit", "").strip(),
        status=params.get("status", "").strip(),
    )
    if errors:
        raise InvalidInput(N_("报表条件有误，请按提示修改"), code="invalid_report", errors=errors)
    return spec, params.get("chart", "bar")


def query_of(spec: ReportSpec, chart: str) -> str:
    pairs: list[tuple[str, str]] = [("dimensions", d) for d in spec.dimensions]
    pairs += [("measures", m) for m in spec.measures]
    for name in ("date_from", "date_to", "item_code", "unit", "status"):
        value = getattr(spec, name)
        if value:
            pairs.append((name, str(value)))
    pairs.append(("chart", chart))
    return urlencode(pairs)


class ReportPages(Controller):
    path = "/work/reports"
    tags = ("workbench",)
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        locale = request_locale(request)
        problems: dict[str, str] = {}
        status = 200
        errors: list[FieldError] = []
        period = {
            "date_from": _day(request.query_params, "date_from", errors),
            "date_to": _day(request.query_params, "date_to", errors),
        }
        try:
            if errors:
                raise InvalidInput(
                    N_("报表条件有误，请按提示修改"), code="invalid_report", errors=errors
                )
            board = await dashboard(portal.tenant, staff, locale, services.registry, **period)
        except InvalidInput as error:
            problems = error_messages(error, locale)
            status = error.status_code
            board = await dashboard(portal.tenant, staff, locale, services.registry)
        return render(
            request,
            "work/dashboard.html",
            status=status,
            zone=ZoneInfo(portal.tenant.time_zone),
            portal=portal,
            staff=staff,
            board=board,
            charts=[
                {
                    "chart": c,
                    "svg": svg_of(c.report, c.kind, c.title),
                    "table": table_of(c.report),
                }
                for c in board.charts
            ],
            typed={k: request.query_params.get(k, "") for k in ("date_from", "date_to")},
            errors=problems,
        )

    async def _builder(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        staff: Principal,
        services: Services,
        *,
        params: MultiDict[str] | None = None,
        typed_name: str = "",
        status: int = 200,
        errors: dict[str, str] | None = None,
    ) -> Response[Any]:
        locale = request_locale(request)
        await reporting_scope(portal.tenant, staff)
        problems = dict(errors or {})
        params = params if params is not None else request.query_params
        spec, chart = ReportSpec(), "bar"
        result = svg = table = None
        ran = "run" in params
        try:
            spec, chart = spec_from(params)
            if chart not in KINDS:
                chart = "bar"
            if ran:
                result = await run_report(portal.tenant, staff, spec, locale, services.registry)
                title = "、".join(m.label for m in result.measures)
                svg = svg_of(result, chart, title) if result.dimensions and result.rows else None
                table = table_of(result)
        except InvalidInput as error:
            problems |= error_messages(error, locale)
            status = error.status_code
        return render(
            request,
            "work/report_builder.html",
            status=status,
            zone=ZoneInfo(portal.tenant.time_zone),
            portal=portal,
            staff=staff,
            spec=spec,
            chart=chart,
            params=params,
            dimensions={k: v.pick(locale) for k, v in DIMENSIONS.items()},
            measures={k: v.pick(locale) for k, v in MEASURES.items()},
            statuses={k: v.pick(locale) for k, v in STATUS_LABELS.items()},
            items=sorted(services.registry.items),
            units=await org_tree(portal.tenant, staff, locale),
            result=result,
            svg=svg,
            table=table,
            query=query_of(spec, chart),
            saved=await saved_reports(portal.tenant, staff),
            typed_name=typed_name,
            errors=problems,
        )

    @post("/refresh")
    async def refresh(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        await refresh_now(portal.tenant, staff)
        return Redirect(f"{portal.base}/work/reports/", status_code=303)

    @get("/builder")
    async def builder(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await self._builder(request, portal, staff, services)

    @get("/export")
    async def export_page(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        locale = request_locale(request)
        spec, chart = spec_from(request.query_params)
        fmt = request.query_params.get("format", "csv")
        result = await run_report(portal.tenant, staff, spec, locale, services.registry)
        title = "报表" if locale != "en" else "Report"
        return file_response(export(result, fmt, title, chart), fmt, title)

    @post("/saved")
    async def save(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        query = str(data.get("query") or "")
        params: MultiDict[str] = MultiDict(
            [*parse_qsl(query, keep_blank_values=True), ("run", "1")]
        )
        try:
            spec, chart = spec_from(params)
            saved = await save_report(
                portal.tenant,
                staff,
                SavedIn(
                    name=str(data.get("name") or ""),
                    spec=spec,
                    shared=data.get("shared") == "1",
                    chart=chart,
                ),
            )
        except GovhallError as error:
            return await self._builder(
                request,
                portal,
                staff,
                services,
                params=params,
                typed_name=str(data.get("name") or ""),
                status=error.status_code,
                errors=error_messages(error, request_locale(request)),
            )
        return Redirect(f"{portal.base}/work/reports/saved/{saved.id}", status_code=303)

    @get("/saved/{report_id:uuid}")
    async def open_saved(
        self,
        request: Request[Any, Any, Any],
        report_id: FromPath[Any],
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        saved = await saved_report(portal.tenant, staff, report_id)
        return Redirect(
            f"{portal.base}/work/reports/builder?{query_of(saved.spec, saved.chart)}&run=1",
            status_code=303,
        )

    @post("/saved/{report_id:uuid}/remove")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        report_id: FromPath[Any],
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        await delete_report(portal.tenant, staff, report_id)
        return Redirect(f"{portal.base}/work/reports/builder", status_code=303)
