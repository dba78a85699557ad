"""Tenant manifests (``tenants/<slug>/tenant.toml``) and tenant views."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

import msgspec

LEVELS = ("province", "city", "county")
UnitKind = Literal[
    "centre", "department", "office", "window", "town", "village", "group", "position"
]


class Branding(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    portal_name: str
    portal_name_en: str = ""
    primary_color: str = "#b71c1c"
    footer: str = ""
    phones: list[str] = msgspec.field(default_factory=list)
    logo: str = ""
    """An SVG or PNG file beside the manifest; stored as a data: URI (≤ 100 KB)."""


class OrgUnitDecl(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    name: str
    name_en: str = ""
    kind: UnitKind
    parent: str | None = None
    """Code of the parent unit; none for the root (the service centre)."""
    plugins: list[str] = msgspec.field(default_factory=list)
    """Plugins this department (or town) enables with all their items."""
    items: list[str] = msgspec.field(default_factory=list)
    """Single item codes this unit enables from plugins it does not enable wholly."""


class ItemSettingDecl(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Local settings for one item; anything law-derived (fees, materials, the
    statutory limit) cannot be set here."""

    item: str
    promised_days: int | None = None
    window: str = ""
    place: str = ""
    hours: str = ""
    consultation_phone: str = ""
    complaint_phone: str = ""
    notes: str = ""


class RoleDecl(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    role: str
    """A function (clerk, handler …) or the code of a role in ``[[roles]]``."""
    org_unit: str
    """Code of the unit the role covers (with everything below it)."""
    position: str = ""
    """岗位 (e.g. 分管领导), matched to flow steps that name a position."""


class TenantRoleDecl(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[[roles]]``: a tenant-defined role, a named set of functions (受理, 承办 …)
    grantable at ``org_unit`` and below."""

    code: str
    name: str
    name_en: str = ""
    functions: list[str]
    org_unit: str


class StaffDecl(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    name: str
    roles: list[RoleDecl]


class ArticleDecl(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[[articles]]`` in a tenant manifest."""

    key: str
    kind: str
    title: str
    title_en: str = ""
    body: str = ""
    body_en: str = ""
    issuer: str = ""
    document_number: str = ""
    pinned: bool = False
    published_on: date | None = None


class TenantManifest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    slug: str
    name: str
    name_en: str = ""
    level: Literal["province", "city", "county"]
    parent: str | None = None
    division_code: str
    locale: str = "zh-CN"
    time_zone: str = "Asia/Shanghai"
    holiday_calendar: str = "CN"
    domain: str | None = None
    """The portal's own host name, if the government has one."""
    demo: bool = False
    """Demo tenants give their staff the ``GOVHALL_DEMO_PASSWORD``."""
    serial_format: str = ""
    """The 办件编号 format, e.g. ``"{division}{yyyy}{mm}{dd}{seq:6}"`` (the default)."""
    branding: Branding
    org_units: list[OrgUnitDecl] = msgspec.field(default_factory=list)
    item_settings: list[ItemSettingDecl] = msgspec.field(default_factory=list)
    roles: list[TenantRoleDecl] = msgspec.field(default_factory=list)
    staff: list[StaffDecl] = msgspec.field(default_factory=list)
    articles: list[ArticleDecl] = msgspec.field(default_factory=list)
    """News, announcements, the centre's pages and policy documents (portal)."""


class TenantInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What request handling needs to know about the current tenant."""

    id: uuid.UUID
    slug: str
    name: str
    name_en: str
    level: str
    division_code: str
    time_zone: str
    status: str
    serial_format: str = ""
    """The 办件编号 format (:mod:`govhall.cases.serials`); empty: the default."""
    catalog_version: int | None = None
    """The tenant row's ``catalog_version`` when it was read; None: unknown, so no
    cached catalogue may be used for it."""


class ApplyResult(msgspec.Struct, kw_only=True):
    tenant: str
    changes: list[str]
    new_passwords: dict[str, str]
    """Generated passwords for newly created non-demo staff (shown once)."""
