"""What tenant administrators tune for the portal's search, and what it failed to find."""

from piccolo.columns import UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.tenancy.tables import Tenant


class SearchTerm(Table, tablename="portal_search_term"):
    """A synonym (二胎 → 第二个子女), an extra keyword for an item, or a blocked word."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=16, help_text="synonym | keyword | blocked")
    term = Varchar(length=64)
    target = Varchar(length=128, default="", help_text="synonym: what it means; keyword: item code")
    created_at = Timestamptz(default=TimestamptzNow())


class SearchMiss(Table, tablename="portal_search_miss"):
    """A query that found nothing (or was blocked), for administrators to act on."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    query = Varchar(length=200)
    blocked = Varchar(length=64, default="", help_text="The blocked word it contained, if any")
    at = Timestamptz(default=TimestamptzNow())
