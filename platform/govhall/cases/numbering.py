"""The tenant's 办件编号 format as a setting tenant-wide administrators change
(the format itself and its rules: :mod:`govhall.cases.serials`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.cases.serials import DEFAULT_FORMAT, format_of, parse_format
from govhall.errors import Forbidden
from govhall.i18n import N_
from govhall.identity.services import require_admin_scope, tenant_wide
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import Tenant


class SerialFormatIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    format: str
    """Placeholders {division} {yyyy} {yy} {mm} {dd} {seq:N}; empty: the default."""


class SerialFormatOut(msgspec.Struct, kw_only=True):
    format: str
    default: bool
    period: str
    """When the running number starts again: day, month, year or all (never)."""
    example: str
    """What a number made today looks like (running number 1)."""


def describe_format(tenant: TenantInfo, text: str | None = None) -> SerialFormatOut:
    fmt = format_of(tenant.serial_format if text is None else text)
    today = datetime.now(ZoneInfo(tenant.time_zone)).date()
    return SerialFormatOut(
        format=fmt.text,
        default=fmt.is_default,
        period=fmt.period,
        example=fmt.render(tenant.division_code, today, 1),
    )


async def set_serial_format(
    tenant: TenantInfo, admin: Principal, data: SerialFormatIn, ip: str
) -> SerialFormatOut:
    """Numbers handed out from now on follow ``data.format``; numbers already given
    keep theirs (a new number that an earlier format made is skipped)."""
    if not tenant_wide(await require_admin_scope(tenant, admin)):
        raise Forbidden(
            N_("只有本级政府的管理员可以修改办件编号格式"), code="tenant_wide_admin_required"
        )
    fmt = parse_format(data.format, field="format")
    stored = "" if fmt.text == DEFAULT_FORMAT else fmt.text
    async with db.transaction():
        await Tenant.update({Tenant.serial_format: stored}).where(Tenant.id == tenant.id)
        await record(
            tenant.id,
            Actor.of(admin, ip),
            "serial_format_changed",
            target=tenant.slug,
            detail={"format": fmt.text},
        )
    return describe_format(tenant, fmt.text)
