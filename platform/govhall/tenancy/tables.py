"""Tenants (governments), their org units and the plugins they enable."""

from typing import Any

from piccolo.columns import JSONB, UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Tenant(Table, tablename="tenancy_tenant"):
    """A government (省/市/县) using govhall; towns and villages are org units."""

    id = UUID(primary_key=True)
    slug = Varchar(length=64, unique=True, help_text="URL name: /t/{slug}/")
    name = Varchar(length=200, help_text="Official name, e.g. 示范县人民政府")
    name_en = Varchar(length=200, default="", help_text="English name")
    level = Varchar(length=16, help_text="province | city | county")
    parent: ForeignKey[Any] = ForeignKey(
        "self", null=True, help_text="The tenant one level up", on_delete=OnDelete.restrict
    )
    division_code = Varchar(length=6, help_text="行政区划代码 (6 digits)")
    locale = Varchar(length=8, default="zh-CN")
    time_zone = Varchar(length=64, default="Asia/Shanghai")
    holiday_calendar = Varchar(length=16, default="CN", help_text="Working-day calendar id")
    branding = JSONB(default={}, help_text="Portal name, colours, logo, footer contacts")
    status = Varchar(length=16, default="active", help_text="active | suspended")
    domain = Varchar(
        length=253,
        null=True,
        default=None,
        help_text="The portal's own host name, unique (e.g. zwfw.shifan.gov.cn)",
    )
    account_inactive_days = Integer(
        default=0,
        help_text="Delete public accounts registered here and never signed in after "
        "this many days (0 = keep)",
    )
    serial_format = Varchar(
        length=64,
        default="",
        help_text="办件编号 format (cases.serials); empty: the default",
    )
    catalog_version = Integer(
        default=0,
        help_text="Raised by database triggers on every change to the tenant's org units, "
        "enabled plugins and item settings: per-process catalogue caches compare it",
    )
    created_at = Timestamptz(default=TimestamptzNow())


class OrgUnit(Table, tablename="tenancy_org_unit"):
    """A node of a tenant's org tree: centre, department, office, window, town, village…"""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    parent: ForeignKey[Any] = ForeignKey("self", null=True, on_delete=OnDelete.restrict)
    kind = Varchar(
        length=16, help_text="centre|department|office|window|town|village|group|position"
    )
    code = Varchar(length=64, help_text="Unique within the tenant")
    name = Varchar(length=200)
    name_en = Varchar(length=200, default="")
    path = Text(help_text="Materialised path '/root/child/…/' for subtree scope checks")


class DepartmentPlugin(Table, tablename="tenancy_department_plugin"):
    """A plugin enabled by a tenant for one of its departments (or towns), wholly or
    for some of its items."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    department = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    plugin = Varchar(length=100, help_text="Plugin (entry-point) name")
    items = JSONB(default=[], help_text="Item codes enabled; empty means every item")


class ItemSetting(Table, tablename="tenancy_item_setting"):
    """A tenant's local settings for one item (R-P7), kept apart from the plugin's
    law-derived declaration: only these fields may differ per tenant."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    item_code = Varchar(length=64)
    promised_days = Integer(null=True, default=None, help_text="≤ the statutory limit")
    window = Varchar(length=64, default="", help_text="Code of the window org unit")
    place = Varchar(length=300, default="")
    hours = Varchar(length=200, default="")
    consultation_phone = Varchar(length=64, default="")
    complaint_phone = Varchar(length=64, default="")
    notes = Text(default="", help_text="Local notes shown on the guide")
