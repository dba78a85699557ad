"""Reports: the leader dashboard (fixed reports with charts), saved report-builder
queries (own, or shared with the tenant's report users), and exports of any
report to CSV, XLSX or PDF (the PDF carries the table and the same chart)."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

import msgspec
from piccolo.query.functions.aggregate import Count

from govhall import exports
from govhall.errors import FieldError, Forbidden, InvalidInput, NotFound, required_text
from govhall.i18n import N_, Localized
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.reports.builder import ReportResult, ReportSpec, reporting_scope, run_report
from govhall.reports.facts import refresh, refreshed_at
from govhall.reports.tables import SavedReport
from govhall.supervision.sweep import LEVELS
from govhall.supervision.tables import Signal
from govhall.tenancy.schemas import TenantInfo

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class Kpis(msgspec.Struct, kw_only=True):
    cases: int
    concluded: int
    on_time_rate: float | None
    average_days: float | None
    satisfaction: float | None
    ratings: int
    fees_collected: float


class ChartOut(msgspec.Struct, kw_only=True):
    key: str
    title: str
    kind: str
    report: ReportResult


class Dashboard(msgspec.Struct, kw_only=True):
    date_from: date
    date_to: date
    as_of: datetime | None
    signals: dict[str, int]
    """Open warnings and yellow / red cards now, in the viewer's units."""
    kpis: Kpis
    charts: list[ChartOut]


class SavedIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    spec: ReportSpec
    shared: bool = False
    chart: str = "bar"


class SavedOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    spec: ReportSpec
    shared: bool
    chart: str
    owner_name: str
    mine: bool


#: The dashboard's fixed reports: (key, title, chart kind, dimensions, measures).
DASHBOARD = (
    (
        "by_month",
        Localized("按月申请与办结", "applications and conclusions by month"),
        "line",
        ["month"],
        ["cases", "concluded"],
    ),
    (
        "by_department",
        Localized("各部门办件量", "cases by department"),
        "bar",
        ["department"],
        ["cases", "concluded"],
    ),
    ("by_status", Localized("办件状态分布", "cases by status"), "pie", ["status"], ["cases"]),
    (
        "on_time",
        Localized("各部门按时办结率（%）", "on-time rate by department (%)"),
        "bar",
        ["department"],
        ["on_time_rate"],
    ),
)
KPI_MEASURES = [
    "cases",
    "concluded",
    "on_time_rate",
    "average_days",
    "satisfaction",
    "ratings",
    "fees_collected",
]


async def dashboard(
    tenant: TenantInfo,
    principal: Principal,
    locale: str,
    registry: PluginRegistry | None,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Dashboard:
    """The leader dashboard: the period's key figures and four charts."""
    totals = await run_report(
        tenant,
        principal,
        ReportSpec(measures=KPI_MEASURES, date_from=date_from, date_to=date_to),
        locale,
        registry,
    )
    values = dict(zip(KPI_MEASURES, totals.totals, strict=True))
    charts = []
    for key, title, kind, dimensions, measures in DASHBOARD:
        spec = ReportSpec(
            dimensions=dimensions, measures=measures, date_from=date_from, date_to=date_to
        )
        report = await run_report(tenant, principal, spec, locale, registry)
        charts.append(ChartOut(key=key, title=title.pick(locale), kind=kind, report=report))
    scope = await reporting_scope(tenant, principal)
    paths: Any = None
    for grant in scope:
        part = Signal.org_unit.path.like(f"{grant.path}%")
        paths = part if paths is None else paths | part
    signals = {level: 0 for level in LEVELS}
    for row in (
        await Signal.select(Signal.level, Count())
        .where((Signal.tenant == tenant.id) & Signal.cleared_at.is_null() & paths)
        .group_by(Signal.level)
    ):
        signals[row["level"]] = int(row["count"])
    return Dashboard(
        date_from=totals.date_from,
        date_to=totals.date_to,
        as_of=totals.as_of,
        signals=signals,
        kpis=Kpis(
            cases=int(values["cases"] or 0),
            concluded=int(values["concluded"] or 0),
            on_time_rate=values["on_time_rate"],
            average_days=values["average_days"],
            satisfaction=values["satisfaction"],
            ratings=int(values["ratings"] or 0),
            fees_collected=float(values["fees_collected"] or 0),
        ),
        charts=charts,
    )


#: Chart kinds (:mod:`govhall.reports.charts` draws them; imported on use, since
#: reportlab's chart library is a large share of a process's start-up).
KINDS = ("bar", "line", "pie")


def chart_of(report: ReportResult, kind: str, title: str) -> Any:
    """The report as a chart: categories from its first dimension (the others are
    joined into the category), one series per measure."""
    from govhall.reports.charts import chart

    categories = [" / ".join(r.labels) or title for r in report.rows]
    series = [(m.label, [r.values[i] for r in report.rows]) for i, m in enumerate(report.measures)]
    return chart(kind, categories, series)


def svg_of(report: ReportResult, kind: str, title: str) -> str:
    from govhall.reports.charts import to_svg

    return to_svg(chart_of(report, kind, title), title)


def check_chart(kind: str) -> None:
    if kind not in KINDS:
        problem = N_("图表类型只能是柱状图（bar）、折线图（line）或饼图（pie）")
        raise InvalidInput(problem, code="invalid_chart", errors=[FieldError("chart", problem)])


def table_of(report: ReportResult) -> tuple[list[str], list[list[Any]]]:
    headers = [d.label for d in report.dimensions] + [m.label for m in report.measures]
    rows: list[list[Any]] = [[*r.labels, *r.values] for r in report.rows]
    if report.dimensions:
        rows.append(["合计", *[""] * (len(report.dimensions) - 1), *report.totals])
    else:
        rows = [list(report.totals)]
    return headers, rows


def export(report: ReportResult, fmt: str, title: str, kind: str = "bar") -> bytes:
    """``report`` as CSV, XLSX or PDF (table plus chart)."""
    check_chart(kind)
    headers, rows = table_of(report)
    if fmt == "csv":
        return exports.to_csv(headers, rows)
    if fmt == "xlsx":
        return exports.to_xlsx(title[:31] or "report", headers, rows)
    if fmt == "pdf":
        return _pdf(report, title, kind, headers, rows)
    problem = N_("导出格式只能是 csv、xlsx 或 pdf")
    raise InvalidInput(problem, code="invalid_format", errors=[FieldError("format", problem)])


def _pdf(
    report: ReportResult, title: str, kind: str, headers: list[str], rows: list[list[Any]]
) -> bytes:
    # reportlab on use: it is a large share of a process's start-up.
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from govhall.documents.pdf import register_font

    font = register_font()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, title=title
    )
    heading = ParagraphStyle("h", fontName=font, fontSize=16, leading=22)
    normal = ParagraphStyle("n", fontName=font, fontSize=9, leading=12)
    cells = [[Paragraph(escape(str(c)), normal) for c in row] for row in [headers, *rows]]
    table = Table(cells, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
            ]
        )
    )
    story: list[Any] = [
        Paragraph(escape(title), heading),
        Paragraph(escape(f"{report.date_from} — {report.date_to}"), normal),
        Spacer(1, 4 * mm),
    ]
    if report.dimensions and report.rows:
        story += [chart_of(report, kind, title), Spacer(1, 4 * mm)]
    story.append(table)
    document.build(story)
    return out.getvalue()


async def save_report(tenant: TenantInfo, principal: Principal, data: SavedIn) -> SavedOut:
    await reporting_scope(tenant, principal)
    name = required_text(data.name, "name", 100, N_("请填写报表名称"))
    check_chart(data.chart)
    spec = msgspec.to_builtins(data.spec) | {"chart": data.chart}
    row = SavedReport(
        tenant=tenant.id,
        name=name,
        spec=spec,
        owner=principal.id,
        owner_name=principal.name,
        shared=data.shared,
    )
    await row.save()
    return (await _saved(tenant, principal, SavedReport.id == row.id))[0]


def _spec_of(stored: Any) -> tuple[ReportSpec, str]:
    data = msgspec.json.decode(stored) if isinstance(stored, str | bytes) else dict(stored)
    kind = str(data.pop("chart", "bar"))
    return msgspec.convert(data, ReportSpec), kind


async def _saved(tenant: TenantInfo, principal: Principal, where: Any) -> list[SavedOut]:
    rows = (
        await SavedReport.select()
        .where((SavedReport.tenant == tenant.id) & where)
        .order_by(SavedReport.name)
        .output(load_json=True)
    )
    out = []
    for row in rows:
        spec, kind = _spec_of(row["spec"])
        out.append(
            SavedOut(
                id=row["id"],
                name=row["name"],
                spec=spec,
                shared=row["shared"],
                chart=kind,
                owner_name=row["owner_name"],
                mine=row["owner"] == principal.id,
            )
        )
    return out


async def saved_reports(tenant: TenantInfo, principal: Principal) -> list[SavedOut]:
    """The caller's own saved reports and those others shared."""
    await reporting_scope(tenant, principal)
    return await _saved(
        tenant,
        principal,
        (SavedReport.owner == principal.id) | (SavedReport.shared == True),  # noqa: E712
    )


async def saved_report(tenant: TenantInfo, principal: Principal, report_id: uuid.UUID) -> SavedOut:
    found = [r for r in await saved_reports(tenant, principal) if r.id == report_id]
    if not found:
        raise NotFound(N_("找不到该报表"), code="report_not_found")
    return found[0]


async def delete_report(tenant: TenantInfo, principal: Principal, report_id: uuid.UUID) -> None:
    report = await saved_report(tenant, principal, report_id)
    if not report.mine:
        raise Forbidden(N_("只能删除自己保存的报表"), code="not_report_owner")
    await SavedReport.delete().where(
        (SavedReport.id == report_id) & (SavedReport.tenant == tenant.id)
    )


class RefreshOut(msgspec.Struct, kw_only=True):
    cases: int
    as_of: datetime | None


async def refresh_now(tenant: TenantInfo, principal: Principal) -> RefreshOut:
    """Rebuild this tenant's facts at once (report users; the schedule does it every
    10 minutes anyway)."""
    await reporting_scope(tenant, principal)
    counted = await refresh([tenant.id])
    return RefreshOut(cases=counted, as_of=await refreshed_at(tenant.id))
