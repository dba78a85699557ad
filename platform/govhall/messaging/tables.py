"""Conversations between staff (one-to-one, groups, a case's comments), their
members with how far each has read, and the messages."""

from piccolo.columns import UUID, BigInt, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.cases.tables import Case
from govhall.identity.tables import Staff
from govhall.tenancy.tables import Tenant


class Conversation(Table, tablename="messaging_conversation"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=8, help_text="direct | group | case")
    title = Varchar(length=100, default="")
    case = ForeignKey(Case, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    pair = Varchar(
        length=80,
        null=True,
        default=None,
        unique=True,
        help_text="direct: the two staff ids in order, so each pair has one conversation",
    )
    created_by = ForeignKey(Staff, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seq = BigInt(default=0, help_text="The latest message's number in this conversation")
    last_at = Timestamptz(default=TimestamptzNow(), index=True)


class Member(Table, tablename="messaging_member"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    conversation = ForeignKey(Conversation, null=False, index=True, on_delete=OnDelete.cascade)
    staff = ForeignKey(Staff, null=False, index=True, on_delete=OnDelete.restrict)
    read_seq = BigInt(default=0, help_text="Messages up to this number have been read")


class Message(Table, tablename="messaging_message"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    conversation = ForeignKey(Conversation, null=False, index=True, on_delete=OnDelete.cascade)
    seq = BigInt(help_text="1, 2, 3 … within the conversation")
    sender = ForeignKey(Staff, null=False, on_delete=OnDelete.restrict)
    sender_name = Varchar(length=100)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())
