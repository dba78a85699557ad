"""Saved reports: a report builder query (dimensions, measures, filters) kept under a
name by its author, and shared with the tenant's other report users if chosen."""

from piccolo.columns import JSONB, UUID, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.tenancy.tables import Tenant


class SavedReport(Table, tablename="reports_saved_report"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    name = Varchar(length=100)
    spec = JSONB(default={}, help_text="The ReportSpec as JSON")
    owner = UUID(help_text="The staff member who saved it")
    owner_name = Varchar(length=200, default="")
    shared = Boolean(default=False, help_text="Visible to the tenant's other report users")
    created_at = Timestamptz(default=TimestamptzNow())
