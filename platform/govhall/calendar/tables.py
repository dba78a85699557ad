"""Calendar tables: a tenant's own days, and the national notices an operator loaded."""

from piccolo.columns import UUID, Boolean, Date, ForeignKey, Integer, Timestamptz, Varchar
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


class NationalNotice(Table, tablename="calendar_national_notice"):
    """A year's State Council holiday notice, loaded by an operator (platform-wide:
    it replaces the statutory days and the library's data for that year)."""

    id = UUID(primary_key=True)
    year = Integer(unique=True)
    title = Varchar(length=200, help_text="e.g. 国务院办公厅关于2027年部分节假日安排的通知")
    document_number = Varchar(length=100, default="", help_text="e.g. 国办发明电〔2026〕7号")
    loaded_by = Varchar(length=100, default="")
    loaded_at = Timestamptz(default=TimestamptzNow())


class NationalDay(Table, tablename="calendar_national_day"):
    """One day of a loaded notice: a day off, or an adjusted working day (调休)."""

    id = UUID(primary_key=True)
    notice = ForeignKey(NationalNotice, null=False, index=True, on_delete=OnDelete.cascade)
    day = Date(unique=True)
    working = Boolean(help_text="True: an adjusted working day; False: a day off")
    name = Varchar(length=100, default="", help_text="The festival, e.g. 春节")
