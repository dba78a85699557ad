"""One-time codes: verifying a phone or e-mail, and resetting a password by them.

A code is six digits, valid for :data:`CODE_MINUTES`, good for
:data:`MAX_ATTEMPTS` tries and one use; only its HMAC (keyed by the secret key
and bound to the code's row) is stored. A new code can be asked for once per
:data:`RESEND_SECONDS` and :data:`DAILY_LIMIT` times a day per account and
purpose. A reset is offered only through a channel the account verified, and
the answer never tells whether the account exists. A reset signs the account
out everywhere (its refresh tokens are revoked).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import Conflict, Forbidden, InvalidInput, TooManyRequests
from govhall.i18n import N_, translate
from govhall.identity.access import require_account
from govhall.identity.passwords import check_password_policy, hash_password
from govhall.identity.tables import Account, OneTimeCode, RefreshToken
from govhall.identity.tokens import Principal
from govhall.jobs.queue import JobQueue
from govhall.notify import outbound

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
DAILY_LIMIT = 10

ChannelName = Literal["sms", "email"]


class CodeConfirm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str


class ResetRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    channel: ChannelName = "sms"


class ResetConfirm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    code: str
    new_password: str
    channel: ChannelName = "sms"


class CodeSent(msgspec.Struct, kw_only=True):
    sent_to: str
    """Masked phone or address, when known; empty for a reset request."""
    expires_in: int


def _digest(secret_key: str, row_id: uuid.UUID, code: str) -> str:
    return hmac.new(secret_key.encode(), f"{row_id}:{code}".encode(), hashlib.sha256).hexdigest()


async def _issue(
    account: Account,
    purpose: str,
    channel: str,
    target: str,
    queue: JobQueue,
    secret_key: str,
    locale: str,
) -> CodeSent:
    now = datetime.now(UTC)
    recent = await OneTimeCode.select(OneTimeCode.created_at).where(
        (OneTimeCode.account == account.id)
        & (OneTimeCode.purpose == purpose)
        & (OneTimeCode.created_at > now - timedelta(days=1))
    )
    if len(recent) >= DAILY_LIMIT:
        raise TooManyRequests(
            N_("今天获取验证码的次数已达上限，请明天再试"), code="code_daily_limit"
        )
    if any(r["created_at"] > now - timedelta(seconds=RESEND_SECONDS) for r in recent):
        raise TooManyRequests(
            N_("验证码已发送，请 {seconds} 秒后再获取"),
            code="code_too_soon",
            seconds=RESEND_SECONDS,
        )
    code = f"{secrets.randbelow(10**6):06d}"
    row_id = uuid.uuid4()
    async with db.transaction():
        # A new code replaces any earlier one for the same purpose.
        await OneTimeCode.update({OneTimeCode.used_at: now}).where(
            (OneTimeCode.account == account.id)
            & (OneTimeCode.purpose == purpose)
            & OneTimeCode.used_at.is_null()
        )
        await OneTimeCode(
            id=row_id,
            account=account.id,
            purpose=purpose,
            channel=channel,
            target=target,
            code_hash=_digest(secret_key, row_id, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        ).save()
    text = translate(
        N_("【政务服务】您的验证码是 {code}，{minutes} 分钟内有效。如非本人操作，请忽略。"),
        locale,
        code=code,
        minutes=CODE_MINUTES,
    )
    await outbound.send(queue, channel, target, translate(N_("验证码"), locale), text)  # type: ignore[arg-type]
    return CodeSent(sent_to=outbound.mask(target), expires_in=CODE_MINUTES * 60)


async def _check(account_id: uuid.UUID, purpose: str, code: str, secret_key: str) -> OneTimeCode:
    """The matching live code (marked used), or 422 — counting the attempt."""
    now = datetime.now(UTC)
    row = (
        await OneTimeCode.objects()
        .where(
            (OneTimeCode.account == account_id)
            & (OneTimeCode.purpose == purpose)
            & OneTimeCode.used_at.is_null()
        )
        .order_by(OneTimeCode.created_at, ascending=False)
        .first()
    )
    bad = InvalidInput(N_("验证码错误或已过期，请重新获取"), code="code_invalid")
    if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
        raise bad
    if not hmac.compare_digest(row.code_hash, _digest(secret_key, row.id, code.strip())):
        await OneTimeCode.update({OneTimeCode.attempts: OneTimeCode.attempts + 1}).where(
            OneTimeCode.id == row.id
        )
        raise bad
    used = (
        await OneTimeCode.update({OneTimeCode.used_at: now})
        .where((OneTimeCode.id == row.id) & OneTimeCode.used_at.is_null())
        .returning(OneTimeCode.id)
    )
    if not used:
        raise bad
    return row


def _contact(account: Account, channel: str) -> str:
    return (account.phone if channel == "sms" else account.email) or ""


async def _own_account(principal: Principal) -> Account:
    require_account(principal)
    account = await Account.objects().where(Account.id == principal.id).first()
    if account is None:
        raise Forbidden(N_("请使用个人或法人账号办理"), code="account_required")
    return account


async def send_verification(
    principal: Principal, channel: str, queue: JobQueue, secret_key: str, locale: str
) -> CodeSent:
    account = await _own_account(principal)
    target = _contact(account, channel)
    if not target:
        raise InvalidInput(N_("请先在账号资料中填写手机号码或电子邮箱"), code="contact_missing")
    return await _issue(account, f"verify_{channel}", channel, target, queue, secret_key, locale)


async def confirm_verification(
    principal: Principal, channel: str, data: CodeConfirm, secret_key: str, ip: str
) -> None:
    account = await _own_account(principal)
    row = await _check(account.id, f"verify_{channel}", data.code, secret_key)
    if row.target != _contact(account, channel):
        raise Conflict(N_("手机号码或邮箱已变更，请重新获取验证码"), code="contact_changed")
    column: Any = Account.phone_verified_at if channel == "sms" else Account.email_verified_at
    await Account.update({column: datetime.now(UTC)}).where(Account.id == account.id)
    await record(
        None,
        Actor(kind="account", id=str(account.id), name=account.name, ip=ip),
        f"{'phone' if channel == 'sms' else 'email'}_verified",
        target=account.username,
    )


async def request_reset(
    data: ResetRequest, queue: JobQueue, secret_key: str, locale: str, ip: str
) -> CodeSent:
    """Send a reset code through a verified channel; the same answer either way."""
    account = await Account.objects().where(Account.username == data.username.strip()).first()
    verified = account is not None and (
        account.phone_verified_at if data.channel == "sms" else account.email_verified_at
    )
    await record(
        None,
        Actor(kind="anonymous", ip=ip),
        "password_reset_requested",
        target=data.username.strip()[:64],
        detail={"channel": data.channel, "sent": bool(verified)},
    )
    if account is not None and verified and account.status == "active":
        await _issue(
            account,
            "reset_password",
            data.channel,
            _contact(account, data.channel),
            queue,
            secret_key,
            locale,
        )
    return CodeSent(sent_to="", expires_in=CODE_MINUTES * 60)


async def reset_password(data: ResetConfirm, secret_key: str, ip: str) -> None:
    account = await Account.objects().where(Account.username == data.username.strip()).first()
    if account is None or account.status != "active":
        raise InvalidInput(N_("验证码错误或已过期，请重新获取"), code="code_invalid")
    check_password_policy(data.new_password, account.username)
    await _check(account.id, "reset_password", data.code, secret_key)
    now = datetime.now(UTC)
    async with db.transaction():
        await Account.update(
            {
                Account.password_hash: hash_password(data.new_password),
                Account.must_reset_password: False,
            }
        ).where(Account.id == account.id)
        await RefreshToken.update({RefreshToken.revoked_at: now}).where(
            (RefreshToken.principal_id == account.id) & RefreshToken.revoked_at.is_null()
        )
        await record(
            None,
            Actor(kind="account", id=str(account.id), name=account.name, ip=ip),
            "password_reset",
            target=account.username,
        )
