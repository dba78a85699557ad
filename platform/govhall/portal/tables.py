"""What tenant administrators tune for the portal's search, and what it failed to find."""

from piccolo.columns import (
    JSONB,
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.identity.tables import Account
from govhall.storage.tables import BlobRecord
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


class Article(Table, tablename="portal_article"):
    """What the centre publishes (R-A1, R-A4): news, bulletins, announcements and
    notices, the centre's own pages (introduction, window layout…), and documents of
    the policy library with their 文号 and an attached file."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    key = Varchar(length=64, help_text="Stable name (the manifest's), unique per tenant")
    kind = Varchar(length=16, help_text="news | bulletin | announcement | notice | centre | policy")
    title = Varchar(length=200)
    title_en = Varchar(length=200, default="")
    body = Text(default="", help_text="Plain text; a blank line starts a paragraph")
    body_en = Text(default="")
    issuer = Varchar(length=200, default="", help_text="Policies: 发文机关")
    document_number = Varchar(length=100, default="", help_text="Policies: 文号")
    attachment = ForeignKey(BlobRecord, null=True, default=None, on_delete=OnDelete.restrict)
    pinned = Boolean(default=False)
    published_on = Date(null=True, default=None, help_text="Shown from this day; none = draft")
    updated_at = Timestamptz(default=TimestamptzNow())


class Scenario(Table, tablename="portal_scenario"):
    """A life event of the tenant's own scenario tree (场景式服务): its path, whom it is
    for, and the items it leads to. With none, the items' declared scenarios are used."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    path = Varchar(length=300, help_text="Levels joined by '/', e.g. 我要开店/开餐馆")
    audience = Varchar(length=16, default="", help_text="'' (everyone) | individual | enterprise")
    items = JSONB(default=[], help_text="Item codes, in the order shown")
    position = Integer(default=0)
