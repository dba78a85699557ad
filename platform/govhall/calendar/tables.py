"""A tenant's own calendar days, layered over the national holiday calendar."""

from piccolo.columns import UUID, Boolean, Date, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.tenancy.tables import Tenant


class CalendarDay(Table, tablename="calendar_day"):
    """A day the tenant declares working or not, e.g. a local festival (unique per tenant)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    day = Date()
    working = Boolean(help_text="True: a working day; False: a day off")
    name = Varchar(length=100, default="", help_text="Why, e.g. 那达慕")
    created_at = Timestamptz(default=TimestamptzNow())
