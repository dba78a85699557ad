"""Audit entries and the head of each tenant's hash chain."""

from piccolo.columns import JSONB, UUID, BigInt, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditChain(Table, tablename="audit_chain"):
    """The last entry of one chain (a tenant's, or ``platform``); its row lock
    serialises appends so the chain never forks."""

    id = UUID(primary_key=True)
    chain = Varchar(length=64, unique=True, help_text="tenant id, or 'platform'")
    seq = BigInt(default=0)
    head = Varchar(length=64, default="", help_text="Hash of the last entry")


class AuditEntry(Table, tablename="audit_entry"):
    """Who did what, when and from where. Never updated or deleted."""

    id = UUID(primary_key=True)
    chain = Varchar(length=64, index=True)
    seq = BigInt()
    at = Timestamptz(default=TimestamptzNow())
    actor_kind = Varchar(length=16, help_text="account | staff | operator | system | anonymous")
    actor_id = Varchar(length=64, default="")
    actor_name = Varchar(length=200, default="")
    action = Varchar(length=64, index=True, help_text="e.g. login, login_failed, role_granted")
    target = Varchar(length=200, default="", help_text="What was acted on")
    ip = Varchar(length=64, default="")
    detail = JSONB(default={})
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)
