"""SMS and e-mail about cases (R-A9): the applicant chooses channels, the tenant
chooses the channel plugins and may reword each message per language, background
jobs send with retries (the queue's backoff), and what still fails is listed for
the tenant's administrators, who may send it again.

A delivery row is written before its job is queued; the job records every
attempt. The queue retries a failing job ``len(RETRY_INTERVALS)`` times; the
attempt after the last retry marks the delivery ``failed``.
"""

from __future__ import annotations

import re
import string
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import msgspec

from govhall import db
from govhall.errors import FieldError, InvalidInput, NotFound
from govhall.i18n import N_, SUPPORTED_LOCALES, Localized, translate
from govhall.identity.access import require_account
from govhall.identity.services import require_admin_scope
from govhall.identity.tables import Account
from govhall.identity.tokens import Principal
from govhall.jobs.queue import RETRY_INTERVALS, JobQueue
from govhall.notify import outbound
from govhall.notify.tables import Delivery, MessageTemplate, Preference, TenantChannels
from govhall.statements import statement
from govhall.tenancy.schemas import TenantInfo

DELIVER_EXTERNAL = "govhall.notify.deliveries.deliver_external"
CHANNELS = ("sms", "email")
SUBJECT = N_("办件通知")


# -- what the applicant chooses -------------------------------------------------------


class PreferenceIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    channels: list[str]
    locale: str = "zh-CN"


class PreferenceOut(msgspec.Struct, kw_only=True):
    channels: list[str]
    locale: str
    phone_verified: bool
    email_verified: bool


async def preference_of(principal: Principal) -> PreferenceOut:
    account_id = require_account(principal).id
    account = await Account.objects().where(Account.id == account_id).first()
    assert account is not None
    row = (
        await Preference.select()
        .output(load_json=True)
        .where(Preference.account == account_id)
        .first()
    )
    return PreferenceOut(
        channels=list(row["channels"]) if row else [],
        locale=row["locale"] if row else "zh-CN",
        phone_verified=account.phone_verified_at is not None,
        email_verified=account.email_verified_at is not None,
    )


async def set_preference(principal: Principal, data: PreferenceIn) -> PreferenceOut:
    """Choose channels; SMS needs a verified phone and e-mail a verified address, so
    nobody's messages go to a number they never proved is theirs."""
    current = await preference_of(principal)
    errors = []
    unknown = [c for c in data.channels if c not in CHANNELS]
    if unknown:
        errors.append(
            FieldError("channels", N_("未知的通知方式：{names}"), names="、".join(unknown))
        )
    if "sms" in data.channels and not current.phone_verified:
        errors.append(FieldError("channels", N_("请先验证手机号码，再选择短信通知")))
    if "email" in data.channels and not current.email_verified:
        errors.append(FieldError("channels", N_("请先验证电子邮箱，再选择邮件通知")))
    if data.locale not in SUPPORTED_LOCALES:
        errors.append(FieldError("locale", N_("不支持的语言“{locale}”"), locale=data.locale))
    if errors:
        raise InvalidInput(N_("通知设置有误"), code="invalid_preference", errors=errors)
    chosen = sorted(set(data.channels))
    account_id = require_account(principal).id
    await Preference.insert(
        Preference(account=account_id, channels=chosen, locale=data.locale)
    ).on_conflict(
        target=Preference.account,
        action="DO UPDATE",
        values=[Preference.channels, Preference.locale, Preference.updated_at],
    )
    return msgspec.structs.replace(current, channels=chosen, locale=data.locale)


# -- queuing --------------------------------------------------------------------------


#: The account's channels, read for every notification (govhall.statements).
_CHOICES = statement(
    lambda account: (
        Preference.select(Preference.channels, Preference.locale)
        .output(load_json=True)
        .where(Preference.account == account)
        .first()
    )
)


async def queue_deliveries(
    queue: JobQueue,
    *,
    tenant: TenantInfo,
    account_id: uuid.UUID,
    event_key: str,
    template: str,
    params: dict[str, Any],
) -> None:
    """A delivery per channel the account chose, each sent by its own job."""
    row = await _CHOICES.run(account_id)
    if not row or not row["channels"]:
        return
    jobs = []
    for channel in row["channels"]:
        delivery = Delivery(
            tenant=tenant.id,
            account=account_id,
            dedupe_key=f"{event_key}:{channel}",
            channel=channel,
            template=template,
            params=params,
            locale=row["locale"],
        )
        inserted = (
            await Delivery.insert(delivery).on_conflict(action="DO NOTHING").returning(Delivery.id)
        )
        if inserted:  # a retried request queues nothing twice
            jobs.append((DELIVER_EXTERNAL, {"delivery_id": str(inserted[0]["id"])}))
    if jobs:
        await queue.enqueue_many(jobs)


# -- sending --------------------------------------------------------------------------


async def render_for(
    tenant_id: uuid.UUID, template: str, params: dict[str, Any], locale: str
) -> str:
    """The tenant's wording if it has one for this language, else the built-in one."""
    from govhall.notify.services import TEMPLATES, resolve_params

    own = (
        await MessageTemplate.select(MessageTemplate.text)
        .where(
            (MessageTemplate.tenant == tenant_id)
            & (MessageTemplate.key == template)
            & (MessageTemplate.locale == locale)
        )
        .first()
    )
    resolved = resolve_params(params)
    if own:
        picked = {k: v.pick(locale) if isinstance(v, Localized) else v for k, v in resolved.items()}
        return str(own["text"]).format_map(_Blank(picked))
    return translate(TEMPLATES.get(template, template), locale, **resolved)


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


async def send_text(
    tenant_id: uuid.UUID, channel: str, address: str, text: str, locale: str
) -> tuple[str, str]:
    """Send ``text`` through the tenant's chosen provider for ``channel``; the
    provider's name and its reference for the message. Raises when the provider is
    missing or fails (the caller records the attempt and retries)."""
    chosen = await TenantChannels.select().where(TenantChannels.tenant == tenant_id).first()
    name = (chosen or {}).get(channel) or ("log_sms" if channel == "sms" else "smtp")
    provider = outbound.channels().get(name)
    if provider is None:
        raise outbound.TransportUnavailable(f"channel {name!r} is not installed")
    ref = await provider.send(to=address, text=text, subject=translate(SUBJECT, locale))
    return name, str(ref)


async def deliver_external(*, delivery_id: str) -> None:
    """Job: send one delivery through the tenant's channel; record the outcome."""
    ident = uuid.UUID(delivery_id)
    delivery = await Delivery.objects().output(load_json=True).where(Delivery.id == ident).first()
    if delivery is None or delivery.status == "sent":
        return  # sent by an earlier run of this job: at most once
    attempt = delivery.attempts + 1
    try:
        account = await Account.objects().where(Account.id == delivery.account).first()
        verified = account is not None and (
            account.phone_verified_at if delivery.channel == "sms" else account.email_verified_at
        )
        address = (account.phone if delivery.channel == "sms" else account.email) if account else ""
        if not verified or not address:
            raise outbound.TransportUnavailable(f"no verified {delivery.channel} address")
        text = await render_for(
            delivery.tenant,
            delivery.template,
            cast(dict[str, Any], delivery.params),
            delivery.locale,
        )
        name, ref = await send_text(
            delivery.tenant, delivery.channel, address, text, delivery.locale
        )
    except Exception as exc:
        final = attempt > len(RETRY_INTERVALS)
        await Delivery.update(
            {
                Delivery.attempts: attempt,
                Delivery.last_error: f"{type(exc).__name__}: {exc}"[:1000],
                Delivery.status: "failed" if final else "queued",
            }
        ).where(Delivery.id == ident)
        raise
    await Delivery.update(
        {
            Delivery.attempts: attempt,
            Delivery.status: "sent",
            Delivery.provider: name,
            Delivery.provider_ref: str(ref)[:200],
            Delivery.sent_at: datetime.now(UTC),
            Delivery.last_error: "",
        }
    ).where(Delivery.id == ident)


# -- what administrators see and set ---------------------------------------------------


class FailedDelivery(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    channel: str
    template: str
    serial_number: str | None
    account: str
    attempts: int
    last_error: str
    created_at: datetime


async def failed_deliveries(tenant: TenantInfo, principal: Principal) -> list[FailedDelivery]:
    await require_admin_scope(tenant, principal)
    rows = (
        await Delivery.select(
            Delivery.id,
            Delivery.channel,
            Delivery.template,
            Delivery.params,
            Delivery.attempts,
            Delivery.last_error,
            Delivery.created_at,
            Delivery.account.username,
        )
        .output(load_json=True)
        .where((Delivery.tenant == tenant.id) & (Delivery.status == "failed"))
        .order_by(Delivery.created_at, ascending=False)
        .limit(200)
    )
    return [
        FailedDelivery(
            id=r["id"],
            channel=r["channel"],
            template=r["template"],
            serial_number=(r["params"] or {}).get("serial_number"),
            account=r["account.username"],
            attempts=r["attempts"],
            last_error=r["last_error"],
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def retry_delivery(
    tenant: TenantInfo, principal: Principal, delivery_id: uuid.UUID, queue: JobQueue
) -> None:
    await require_admin_scope(tenant, principal)
    reset = (
        await Delivery.update({Delivery.status: "queued", Delivery.attempts: 0})
        .where(
            (Delivery.id == delivery_id)
            & (Delivery.tenant == tenant.id)
            & (Delivery.status == "failed")
        )
        .returning(Delivery.id)
    )
    if not reset:
        raise NotFound(N_("找不到该发送失败记录"), code="delivery_not_found")
    await queue.enqueue(DELIVER_EXTERNAL, delivery_id=str(delivery_id))


class TemplateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    key: str
    locale: str
    text: str


class TemplateOut(msgspec.Struct, kw_only=True):
    key: str
    locale: str
    text: str
    default: str
    placeholders: list[str]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


async def templates_of(tenant: TenantInfo, principal: Principal) -> list[TemplateOut]:
    """Every message with its built-in wording and the tenant's, per language."""
    from govhall.notify.services import TEMPLATES

    await require_admin_scope(tenant, principal)
    own = {
        (r["key"], r["locale"]): r["text"]
        for r in await MessageTemplate.select(
            MessageTemplate.key, MessageTemplate.locale, MessageTemplate.text
        ).where(MessageTemplate.tenant == tenant.id)
    }
    return [
        TemplateOut(
            key=key,
            locale=locale,
            text=own.get((key, locale), ""),
            default=translate(default, locale),
            placeholders=sorted(_placeholders(default)),
        )
        for key, default in sorted(TEMPLATES.items())
        for locale in SUPPORTED_LOCALES
    ]


async def save_template(tenant: TenantInfo, principal: Principal, data: TemplateIn) -> TemplateOut:
    """Reword a message; it may use only the placeholders the built-in one has. An
    empty text goes back to the built-in wording."""
    from govhall.notify.services import TEMPLATES

    await require_admin_scope(tenant, principal)
    default = TEMPLATES.get(data.key)
    if default is None:
        raise InvalidInput(
            N_("没有名为“{key}”的通知模板"),
            code="template_not_found",
            errors=[FieldError("key", N_("没有名为“{key}”的通知模板"), key=data.key)],
            key=data.key,
        )
    if data.locale not in SUPPORTED_LOCALES:
        raise InvalidInput(
            N_("不支持的语言“{locale}”"),
            code="unsupported_locale",
            errors=[FieldError("locale", N_("不支持的语言“{locale}”"), locale=data.locale)],
            locale=data.locale,
        )
    allowed = _placeholders(default)
    text = data.text.strip()
    try:
        used = _placeholders(text)
    except ValueError:
        used = {"{"}
    unknown = sorted(used - allowed)
    if unknown or re.search(r"\{[^}]*\{", text):
        problem = N_("模板只能使用这些占位符：{allowed}")
        raise InvalidInput(
            problem,
            code="template_placeholders",
            errors=[
                FieldError("text", problem, allowed="、".join(f"{{{a}}}" for a in sorted(allowed)))
            ],
            allowed="、".join(f"{{{a}}}" for a in sorted(allowed)),
        )
    async with db.transaction():
        await MessageTemplate.delete().where(
            (MessageTemplate.tenant == tenant.id)
            & (MessageTemplate.key == data.key)
            & (MessageTemplate.locale == data.locale)
        )
        if text:
            await MessageTemplate(
                tenant=tenant.id, key=data.key, locale=data.locale, text=text
            ).save()
    return TemplateOut(
        key=data.key,
        locale=data.locale,
        text=text,
        default=translate(default, data.locale),
        placeholders=sorted(allowed),
    )


class ChannelsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    sms: str
    email: str = "smtp"


async def set_tenant_channels(
    tenant: TenantInfo, principal: Principal, data: ChannelsIn
) -> ChannelsIn:
    await require_admin_scope(tenant, principal)
    installed = outbound.channels()
    errors = [
        FieldError(
            kind,
            N_("没有安装名为“{name}”的{kind}通道，可选：{names}"),
            name=name,
            kind=kind,
            names="、".join(n for n, c in installed.items() if c.kind == kind),
        )
        for kind, name in (("sms", data.sms), ("email", data.email))
        if name not in installed or installed[name].kind != kind
    ]
    if errors:
        raise InvalidInput(N_("通知通道设置有误"), code="invalid_channels", errors=errors)
    await TenantChannels.insert(
        TenantChannels(tenant=tenant.id, sms=data.sms, email=data.email)
    ).on_conflict(
        target=TenantChannels.tenant,
        action="DO UPDATE",
        values=[TenantChannels.sms, TenantChannels.email],
    )
    return data
