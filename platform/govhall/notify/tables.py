"""The in-app inbox: notifications rendered in the reader's language when read."""

from piccolo.columns import JSONB, UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.cases.tables import Case
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
