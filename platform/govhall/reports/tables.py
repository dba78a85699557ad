"""Reports' tables: saved report-builder queries (kept under a name by their author,
shared with the tenant's other report users if chosen) and the pre-aggregated
case facts the reports read."""

from piccolo.columns import (
    JSONB,
    UUID,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.tenancy.tables import OrgUnit, Tenant


class SavedReport(Table, tablename="reports_saved_report"):
    """A report builder query kept under a name."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    name = Varchar(length=100)
    spec = JSONB(default={}, help_text="The ReportSpec as JSON")
    owner = UUID(help_text="The staff member who saved it")
    owner_name = Varchar(length=200, default="")
    shared = Boolean(default=False, help_text="Visible to the tenant's other report users")
    created_at = Timestamptz(default=TimestamptzNow())


class CaseFact(Table, tablename="reports_case_fact"):
    """Cases pre-aggregated per tenant × submission day × department × item × status,
    with the sums every report measure is made of (R-S8: reports and the dashboard
    read these, not the cases). Rebuilt per tenant by :mod:`govhall.reports.facts`."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, on_delete=OnDelete.restrict)
    day = Date(help_text="Submission date in the tenant's time zone")
    department = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    item_code = Varchar(length=64)
    status = Varchar(length=24)
    cases = Integer(default=0)
    concluded = Integer(default=0)
    concluded_due = Integer(default=0, help_text="Concluded cases that had a legal deadline")
    on_time = Integer(default=0, help_text="…concluded on or before it")
    days_sum = BigInt(default=0, help_text="Working days used by the concluded cases")
    days_count = Integer(default=0)
    ratings = Integer(default=0, help_text="Ratings that count (not excluded on appeal)")
    rating_sum = Integer(default=0)
    fees_fen = BigInt(default=0, help_text="Fees collected less refunds, in fen")


class FactState(Table, tablename="reports_fact_state"):
    """When a tenant's facts were last rebuilt (shown as 数据截至 on reports)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, unique=True, on_delete=OnDelete.restrict)
    refreshed_at = Timestamptz(default=TimestamptzNow())
    cases = Integer(default=0, help_text="Cases counted in the last rebuild")
