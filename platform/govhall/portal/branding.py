"""The portal's branding as the tenant's administrators set it (the manifest's
``[branding]`` is the same data; applying a manifest again sets it back, so keep
the manifest as the record): names, colour, footer, service phones and logo.

The colour goes into a CSS custom property, so only ``#rrggbb`` is accepted — no
text of an administrator's ever reaches a style sheet unchecked.
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import msgspec

from govhall.errors import FieldError, Forbidden, InvalidInput
from govhall.i18n import N_
from govhall.identity.services import require_admin_scope, tenant_wide
from govhall.identity.tokens import Principal
from govhall.storage.blobstore import BlobStore
from govhall.storage.tables import BlobRecord
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import Tenant

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")
LOGO_MAX_BYTES = 100 * 1024
LOGO_TYPES = ("image/png", "image/jpeg")


class BrandingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    portal_name: str
    portal_name_en: str = ""
    primary_color: str = "#b71c1c"
    footer: str = ""
    phones: list[str] = msgspec.field(default_factory=list)
    logo: uuid.UUID | None = None
    """An uploaded PNG or JPG (``POST /uploads``) of at most 100 KB; None keeps the logo."""
    remove_logo: bool = False


class BrandingOut(msgspec.Struct, kw_only=True):
    portal_name: str
    portal_name_en: str
    primary_color: str
    footer: str
    phones: list[str]
    logo: str


def _out(raw: dict[str, Any]) -> BrandingOut:
    return BrandingOut(
        portal_name=str(raw.get("portal_name", "")),
        portal_name_en=str(raw.get("portal_name_en", "")),
        primary_color=str(raw.get("primary_color", "#b71c1c")),
        footer=str(raw.get("footer", "")),
        phones=[str(p) for p in raw.get("phones") or []],
        logo=str(raw.get("logo", "")),
    )


async def branding_of(tenant: TenantInfo) -> BrandingOut:
    row = (
        await Tenant.select(Tenant.branding)
        .output(load_json=True)
        .where(Tenant.id == tenant.id)
        .first()
    )
    return _out(row["branding"] if row and isinstance(row["branding"], dict) else {})


async def set_branding(
    tenant: TenantInfo, principal: Principal, data: BrandingIn, store: BlobStore
) -> BrandingOut:
    if not tenant_wide(await require_admin_scope(tenant, principal)):
        raise Forbidden(
            N_("只有本级政府的管理员可以修改门户外观"), code="tenant_wide_admin_required"
        )
    errors = []
    if not data.portal_name.strip() or len(data.portal_name) > 100:
        errors.append(FieldError("portal_name", N_("请填写门户名称（不超过 100 个字）")))
    if not COLOUR.match(data.primary_color):
        errors.append(FieldError("primary_color", N_("主色须写成 #RRGGBB，例如 #b71c1c")))
    if len(data.footer) > 500:
        errors.append(FieldError("footer", N_("内容不能超过 {limit} 个字"), limit=500))
    bad_phones = [p for p in data.phones if not PHONE.match(p)]
    if bad_phones or len(data.phones) > 5:
        errors.append(FieldError("phones", N_("服务电话最多 5 个，只能包含数字、+、-、括号和空格")))
    logo_uri = None
    if data.logo is not None:
        blob = (
            await BlobRecord.objects()
            .where((BlobRecord.id == data.logo) & (BlobRecord.tenant == tenant.id))
            .first()
        )
        if blob is None or blob.content_type not in LOGO_TYPES or blob.size > LOGO_MAX_BYTES:
            errors.append(FieldError("logo", N_("标志须为不超过 100 KB 的 PNG 或 JPG 图片")))
        else:
            content = await store.read(blob.storage_key)
            logo_uri = f"data:{blob.content_type};base64,{base64.b64encode(content).decode()}"
    if errors:
        raise InvalidInput(N_("门户外观设置有误"), code="invalid_branding", errors=errors)
    current = await branding_of(tenant)
    logo = "" if data.remove_logo else (logo_uri or current.logo)
    branding = {
        "portal_name": data.portal_name.strip(),
        "portal_name_en": data.portal_name_en.strip(),
        "primary_color": data.primary_color.lower(),
        "footer": data.footer.strip(),
        "phones": [p.strip() for p in data.phones],
        "logo": logo,
    }
    await Tenant.update({Tenant.branding: branding}).where(Tenant.id == tenant.id)
    return _out(branding)
