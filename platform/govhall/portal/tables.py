"""What tenant administrators tune for the portal's search, and what it failed to find."""

from piccolo.columns import JSONB, UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.identity.tables import Account
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


class Draft(Table, tablename="portal_draft"):
    """An application being filled in on the portal (保存草稿): saved at every step, so
    it can be resumed on another device or after signing in again. Submitting it
    is claimed atomically (``status`` draft → submitting), so a double click makes
    one case. Resident ID numbers typed into the form are sealed here too."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    account = ForeignKey(Account, null=False, index=True, on_delete=OnDelete.restrict)
    item_code = Varchar(length=64)
    handling_unit = Varchar(length=64, default="")
    on_behalf_of = Varchar(length=64, default="", help_text="Enterprise username, if any")
    form = JSONB(default={}, help_text="As typed; ID numbers masked (sealed in form_sealed)")
    form_sealed = JSONB(default={})
    materials = JSONB(default=[], help_text="[{material_code, blob_id, filename, size}]")
    status = Varchar(length=16, default="draft", help_text="draft | submitting | submitted")
    receipt = JSONB(default={}, help_text="The receipt once submitted (serial, query code)")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
