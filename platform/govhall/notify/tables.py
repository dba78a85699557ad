"""Notifications: the in-app inbox (rendered in the reader's language when read),
SMS and e-mail deliveries with their outcome, preferences and tenant wording."""

from piccolo.columns import JSONB, UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.cases.tables import Case
from govhall.identity.tables import Account
from govhall.tenancy.tables import Tenant


class InboxMessage(Table, tablename="notify_inbox_message"):
    """One notification for an account or a staff member."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, on_delete=OnDelete.restrict)
    recipient_kind = Varchar(length=16, help_text="account | staff")
    recipient_id = UUID(index=True)
    case = ForeignKey(Case, null=True, default=None, on_delete=OnDelete.restrict)
    dedupe_key = Varchar(length=100, unique=True, help_text="One message per event and reader")
    template = Varchar(length=64, help_text="Message template key")
    params = JSONB(default={})
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)


class Preference(Table, tablename="notify_preference"):
    """How an account wants to hear about its cases: the inbox always, SMS and e-mail
    when chosen (and verified), in which language."""

    id = UUID(primary_key=True)
    account = ForeignKey(Account, null=False, unique=True, on_delete=OnDelete.restrict)
    channels = JSONB(default=[], help_text='Outside the inbox: any of "sms", "email"')
    locale = Varchar(length=8, default="zh-CN")
    updated_at = Timestamptz(default=TimestamptzNow())


class Delivery(Table, tablename="notify_delivery"):
    """One SMS or e-mail to send: queued, sent, or failed after its retries. The
    address is looked up from the account when sending, never copied here."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    account = ForeignKey(Account, null=False, on_delete=OnDelete.restrict)
    dedupe_key = Varchar(length=120, unique=True, help_text="One delivery per event and channel")
    channel = Varchar(length=8, help_text="sms | email")
    provider = Varchar(length=64, default="", help_text="The channel plugin that sent it")
    template = Varchar(length=64)
    params = JSONB(default={})
    locale = Varchar(length=8, default="zh-CN")
    status = Varchar(length=16, default="queued", index=True, help_text="queued | sent | failed")
    attempts = Integer(default=0)
    last_error = Text(default="")
    provider_ref = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class MessageTemplate(Table, tablename="notify_template"):
    """A tenant's own wording of a notification, per language (the built-in wording
    is used where there is none)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, on_delete=OnDelete.restrict)
    key = Varchar(length=64)
    locale = Varchar(length=8)
    text = Text()
    updated_at = Timestamptz(default=TimestamptzNow())


class TenantChannels(Table, tablename="notify_tenant_channels"):
    """Which channel plugins a tenant's SMS and e-mail go through."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, unique=True, on_delete=OnDelete.restrict)
    sms = Varchar(length=64, default="log_sms")
    email = Varchar(length=64, default="smtp")
