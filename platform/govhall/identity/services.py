"""Accounts and staff: registration, login, and staff provisioning."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import msgspec

from govhall import db
from govhall.audit.services import PLATFORM, Actor, chain_of, record
from govhall.audit.tables import AuditEntry
from govhall.errors import (
    Conflict,
    FieldError,
    Forbidden,
    GovhallError,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from govhall.i18n import N_
from govhall.identity import fieldcrypt, realname
from govhall.identity.passwords import check_password_policy, hash_password, verify_password
from govhall.identity.schemas import AccountCreate, AccountOut, TokenOut, TokenRequest
from govhall.identity.sessions import issue_pair
from govhall.identity.tables import Account, Operator, RoleGrant, Staff
from govhall.identity.tokens import Principal, TokenService
from govhall.tenancy.kept import MISSING, KeptByVersion
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit, Tenant

_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{2,63}$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_registration(data: AccountCreate) -> list[FieldError]:
    errors: list[FieldError] = []
    if not _USERNAME.match(data.username):
        errors.append(
            FieldError(
                "username", N_("用户名须以字母开头，由 3 到 64 个字母、数字、下划线、点或横线组成")
            )
        )
    if not 2 <= len(data.name.strip()) <= 100:
        errors.append(FieldError("name", N_("请填写 2 到 100 个字的真实姓名或单位名称")))
    if data.kind == "individual":
        if not data.id_number:
            errors.append(FieldError("id_number", N_("个人用户须填写居民身份证号码")))
        elif not realname.is_valid_id_number(data.id_number):
            errors.append(FieldError("id_number", N_("居民身份证号码无效，请核对后重新输入")))
    else:
        if not data.credit_code:
            errors.append(FieldError("credit_code", N_("法人用户须填写统一社会信用代码")))
        elif not realname.is_valid_credit_code(data.credit_code):
            errors.append(FieldError("credit_code", N_("统一社会信用代码无效，请核对后重新输入")))
    if data.phone and not _PHONE.match(data.phone):
        errors.append(FieldError("phone", N_("手机号码应为 11 位数字")))
    if data.email and not _EMAIL.match(data.email):
        errors.append(FieldError("email", N_("电子邮箱格式不正确")))
    return errors


ID_COLUMN = "identity_account.id_number"


def plain_id_number(row: Account) -> str:
    """The account's resident ID in clear, for its owner's own use (e.g. prefilling
    their forms). Showing it in full to anyone else must be audited."""
    return fieldcrypt.cipher().open(row.id_number_sealed, ID_COLUMN) if row.id_number_sealed else ""


async def applicant_facts(principal: Principal) -> dict[str, str]:
    """What an account tells about itself, for prefilling its forms (its own use)."""
    account = await Account.objects().where(Account.id == principal.id).first()
    if principal.kind != "account" or account is None:
        raise Forbidden(N_("请使用个人或法人账号登录后再填写申请"), code="applicant_required")
    return {
        "kind": account.kind,
        "name": account.name,
        "id_number": plain_id_number(account),
        "credit_code": account.credit_code or "",
        "phone": account.phone or "",
    }


def masked_id_number(row: Account) -> str | None:
    """The account's resident ID as everyone may see it (``110105********1234``)."""
    return realname.mask_id_number(plain_id_number(row)) if row.id_number_sealed else None


def account_out(row: Account) -> AccountOut:
    return AccountOut(
        id=row.id,
        username=row.username,
        kind=row.kind,
        name=row.name,
        id_number_masked=masked_id_number(row),
        credit_code=row.credit_code,
        phone=row.phone,
        email=row.email,
        created_at=row.created_at,
    )


async def register_account(data: AccountCreate) -> AccountOut:
    """Create a public account after checking every field; all problems are reported."""
    errors = _check_registration(data)
    if errors:
        raise InvalidInput(
            N_("注册信息有误，请按提示修改"), code="invalid_registration", errors=errors
        )
    check_password_policy(data.password, data.username)
    id_number = realname.normalise_id_number(data.id_number) if data.id_number else ""
    home = None
    if data.tenant:
        home = await Tenant.select(Tenant.id).where(Tenant.slug == data.tenant).first()
        if home is None:
            raise NotFound(N_("找不到租户“{slug}”"), code="tenant_not_found", slug=data.tenant)
    row = Account(
        home_tenant=home["id"] if home else None,
        username=data.username,
        password_hash=hash_password(data.password),
        kind=data.kind,
        name=data.name.strip(),
        id_number_sealed=fieldcrypt.cipher().seal(id_number, ID_COLUMN) if id_number else None,
        id_number_index=fieldcrypt.cipher().index(id_number) if id_number else None,
        credit_code=data.credit_code.strip().upper() if data.credit_code else None,
        phone=data.phone,
        email=data.email,
    )
    try:
        await row.save()
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise Conflict(
                N_("用户名 {username} 已被注册"), code="username_taken", username=data.username
            ) from exc
        raise
    return account_out(row)


_BAD_LOGIN = N_("用户名或密码错误")
#: Failed sign-ins allowed per account, and per client address, within the window.
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)


async def _recent_failures(
    since: datetime, *, chain: str | None, username: str, ip: str
) -> tuple[int, int]:
    """Failed sign-ins since ``since``: for this username (in its chain), and from ``ip``.

    Counted from the audit log itself, so every process sees the same numbers
    without another store, and the lock-out is as durable as the record."""
    fails: Any = (AuditEntry.action == "login_failed") & (AuditEntry.at > since)
    account = await AuditEntry.count().where(
        fails & (AuditEntry.chain == (chain or PLATFORM)) & (AuditEntry.target == username)
    )
    address = await AuditEntry.count().where(fails & (AuditEntry.ip == ip)) if ip else 0
    return account, address


async def issue_token(data: TokenRequest, tokens: TokenService, ip: str = "") -> TokenOut:
    """Log in and get a bearer token pair (see :func:`authenticate`)."""
    return await issue_pair(await authenticate(data, ip), tokens)


async def authenticate(data: TokenRequest, ip: str = "") -> Principal:
    """Check a public account's (no tenant), staff member's (with a tenant slug) or
    operator's password; the principal, for a token pair or a web session.

    Every attempt is audited; after too many failures the account (and the client
    address) must wait until the oldest failure leaves the window."""
    now = datetime.now(UTC)
    tenant = None
    if data.tenant:
        tenant = await Tenant.objects().where(Tenant.slug == data.tenant).first()
    tenant_id = tenant.id if tenant else None
    username = data.username.strip()[:64]
    by_account, by_address = await _recent_failures(
        now - FAILURE_WINDOW, chain=chain_of(tenant_id), username=username, ip=ip
    )
    anonymous = Actor(kind="anonymous", ip=ip)
    minutes = int(FAILURE_WINDOW.total_seconds() // 60)
    if by_address >= ADDRESS_FAILURES:
        await record(
            tenant_id, anonymous, "login_refused", target=username, detail={"reason": "address"}
        )
        raise TooManyRequests(
            N_("该网络地址登录失败次数过多，请 {minutes} 分钟后再试"),
            code="address_throttled",
            minutes=minutes,
        )
    if by_account >= ACCOUNT_FAILURES:
        await record(
            tenant_id, anonymous, "login_refused", target=username, detail={"reason": "locked"}
        )
        raise TooManyRequests(
            N_("密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试或找回密码"),
            code="account_locked",
            minutes=minutes,
        )

    async def failed(reason: str, error: GovhallError) -> GovhallError:
        await record(
            tenant_id, anonymous, "login_failed", target=username, detail={"reason": reason}
        )
        return error

    if data.operator:
        operator = await Operator.objects().where(Operator.username == data.username).first()
        if not verify_password(operator.password_hash if operator else None, data.password):
            raise await failed("bad_credentials", Unauthorized(_BAD_LOGIN, code="bad_credentials"))
        assert operator is not None
        if operator.status != "active":
            raise await failed(
                "disabled", Unauthorized(N_("该账号已停用，请联系管理员"), code="account_disabled")
            )
        await Operator.update({Operator.last_login_at: now}).where(Operator.id == operator.id)
        principal = Principal(
            kind="operator", id=operator.id, username=operator.username, name=operator.name
        )
    elif data.tenant:
        staff = None
        if tenant is not None:
            staff = (
                await Staff.objects()
                .where((Staff.tenant == tenant.id) & (Staff.username == data.username))
                .first()
            )
        if not verify_password(staff.password_hash if staff else None, data.password):
            raise await failed("bad_credentials", Unauthorized(_BAD_LOGIN, code="bad_credentials"))
        assert staff is not None and tenant is not None
        if staff.status != "active" or tenant.status != "active":
            raise await failed(
                "disabled", Unauthorized(N_("该账号已停用，请联系管理员"), code="account_disabled")
            )
        await Staff.update({Staff.last_login_at: now}).where(Staff.id == staff.id)
        principal = Principal(
            kind="staff",
            id=staff.id,
            username=staff.username,
            name=staff.name,
            tenant_id=tenant.id,
            tenant_slug=tenant.slug,
        )
    else:
        account = await Account.objects().where(Account.username == data.username).first()
        if not verify_password(account.password_hash if account else None, data.password):
            raise await failed("bad_credentials", Unauthorized(_BAD_LOGIN, code="bad_credentials"))
        assert account is not None
        if account.status != "active":
            raise await failed(
                "disabled", Unauthorized(N_("该账号已停用，请联系管理员"), code="account_disabled")
            )
        if account.must_reset_password:
            raise await failed(
                "reset_required",
                Forbidden(
                    N_("管理员要求您重设密码，请通过“找回密码”设置新密码后再登录"),
                    code="password_reset_required",
                ),
            )
        await Account.update({Account.last_login_at: now}).where(Account.id == account.id)
        principal = Principal(
            kind="account", id=account.id, username=account.username, name=account.name
        )
    await record(
        tenant_id,
        Actor(kind=principal.kind, id=str(principal.id), name=principal.name, ip=ip),
        "login",
        target=principal.username,
    )
    return principal


@dataclass(frozen=True, slots=True)
class Grant:
    """A function over an org unit's subtree (``path`` is the unit's materialised
    path), optionally only in a position (岗位)."""

    role: str
    path: str
    position: str = ""


def expand_grant(role: str, path: str, position: str, functions: object) -> list[Grant]:
    """A stored grant as the functions it gives: a built-in function is itself; a
    tenant role (``functions`` is its JSON list) gives each of its functions."""
    if functions is None:
        return [Grant(role=role, path=path, position=position)]
    names = msgspec.json.decode(functions) if isinstance(functions, str | bytes) else functions
    return [Grant(role=str(f), path=path, position=position) for f in names]  # type: ignore[union-attr]


#: Staff members' grants, (tenant id, staff id) → grants, kept under the tenant's
#: catalog_version (grants and roles raise it): a grant taken away counts from the
#: next request on, in every process.
_kept_grants: KeptByVersion[tuple[Grant, ...]] = KeptByVersion(4096)


async def grants_of(staff_id: uuid.UUID, tenant: TenantInfo | uuid.UUID) -> list[Grant]:
    """The staff member's grants in ``tenant``: kept between requests when it is the
    request's tenant (its row's catalog_version says whether they still hold)."""
    if isinstance(tenant, uuid.UUID):
        tenant_id, version = tenant, None
    else:
        tenant_id, version = tenant.id, tenant.catalog_version
    kept = _kept_grants.get((tenant_id, staff_id), version)
    if kept is not MISSING:
        return list(cast(tuple[Grant, ...], kept))
    # Asked on every staff action: plain SQL skips the ORM's per-query build cost.
    rows = await RoleGrant.raw(
        "SELECT g.role, u.path, g.position, r.functions FROM identity_role_grant g "
        "JOIN tenancy_org_unit u ON u.id = g.org_unit "
        "LEFT JOIN identity_role r ON r.tenant = g.tenant AND r.code = g.role "
        "WHERE g.staff = {} AND g.tenant = {}",
        staff_id,
        tenant_id,
    )
    grants = [
        grant
        for row in rows
        for grant in expand_grant(row["role"], row["path"], row["position"], row["functions"])
    ]
    _kept_grants.put((tenant_id, staff_id), version, tuple(grants))
    return grants


def forget_grants() -> None:
    """Drop the kept grants after this process changed grants or roles: the request
    that changed them still holds the tenant row of before."""
    _kept_grants.clear()


async def admin_scope(staff_id: uuid.UUID, tenant_id: uuid.UUID) -> list[Grant]:
    """The units the staff member administers (their ``tenant_admin`` grants)."""
    return [g for g in await grants_of(staff_id, tenant_id) if g.role == "tenant_admin"]


async def require_admin_scope(tenant: Any, principal: Principal) -> list[Grant]:
    """The caller's administration scope in ``tenant``; 403 for anyone else."""
    if principal.kind != "staff" or principal.tenant_id != tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以办理"), code="staff_required")
    scope = await admin_scope(principal.id, tenant.id)
    if not scope:
        raise Forbidden(N_("只有管理员可以管理工作人员和角色"), code="tenant_admin_required")
    return scope


def tenant_wide(scope: list[Grant]) -> bool:
    """Whether an administration scope covers the whole tenant (its root unit)."""
    return any(g.path.count("/") == 2 for g in scope)  # '/root/' = the whole tenant


def in_scope(scope: list[Grant], unit_path: str) -> bool:
    return any(unit_path.startswith(g.path) for g in scope)


async def refuse_outside_scope(
    tenant_id: uuid.UUID, admin: Principal, ip: str, action: str, target: str, **detail: Any
) -> Forbidden:
    """Audit an administrator's attempt beyond their scope; the error to raise."""
    await record(
        tenant_id,
        Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
        action,
        target=target,
        detail=detail,
    )
    return Forbidden(N_("您只能管理自己负责的机构及其下级机构"), code="outside_admin_scope")


def covers(grants: list[Grant], role: str, unit_path: str, position: str = "") -> bool:
    """Whether the grants include ``role`` over the unit at ``unit_path`` (and, when
    the step names a position, in that position)."""
    return any(
        g.role == role and unit_path.startswith(g.path) and (not position or g.position == position)
        for g in grants
    )


async def provision_staff(
    tenant_id: uuid.UUID,
    username: str,
    name: str,
    password: str,
    roles: list[tuple[str, uuid.UUID]] | list[tuple[str, uuid.UUID, str]],
) -> str:
    """Create or update a staff member and set exactly ``roles`` — (role, unit) or
    (role, unit, position) — : "created", "updated" (name or roles changed) or ""
    (already so)."""
    staff = (
        await Staff.objects()
        .where((Staff.tenant == tenant_id) & (Staff.username == username))
        .first()
    )
    created = staff is None
    if staff is None:
        staff = Staff(
            tenant=tenant_id, username=username, name=name, password_hash=hash_password(password)
        )
        await staff.save()
    changed = False
    if not created and staff.name != name:
        await Staff.update({Staff.name: name}).where(Staff.id == staff.id)
        changed = True
    existing = {
        (row["role"], row["org_unit"], row["position"])
        for row in await RoleGrant.select(
            RoleGrant.role, RoleGrant.org_unit, RoleGrant.position
        ).where(RoleGrant.staff == staff.id)
    }
    wanted = {(grant[0], grant[1], grant[2] if len(grant) > 2 else "") for grant in roles}
    changed = changed or wanted != existing
    for role, unit, position in existing - wanted:
        await RoleGrant.delete().where(
            (RoleGrant.staff == staff.id)
            & (RoleGrant.role == role)
            & (RoleGrant.org_unit == unit)
            & (RoleGrant.position == position)
        )
    for role, unit, position in wanted - existing:
        await RoleGrant(
            tenant=tenant_id, staff=staff.id, role=role, org_unit=unit, position=position
        ).save()
    if changed:
        forget_grants()
    return "created" if created else ("updated" if changed else "")


async def org_unit_path(unit_id: uuid.UUID) -> str:
    path = await OrgUnit.select(OrgUnit.path).where(OrgUnit.id == unit_id).first()
    return str(path["path"]) if path else ""


async def rotate_field_keys(batch: int = 500) -> int:
    """Re-encrypt every ID number not sealed with the current key (including values
    stored before encryption); returns how many were rewritten. Safe to re-run."""
    cipher = fieldcrypt.cipher()
    changed = 0
    last = ""
    while True:
        accounts = (
            await Account.objects()
            .where(Account.id_number_sealed.is_not_null() & (Account.username > last))
            .order_by(Account.username)
            .limit(batch)
        )
        if not accounts:
            return changed
        for account in accounts:
            last = account.username
            stored = account.id_number_sealed
            if not cipher.needs_rotation(stored):
                continue
            plain = cipher.open(stored, ID_COLUMN)
            await Account.update(
                {
                    Account.id_number_sealed: cipher.seal(plain, ID_COLUMN),
                    Account.id_number_index: cipher.index(plain),
                }
            ).where((Account.id == account.id) & (Account.id_number_sealed == stored))
            changed += 1
