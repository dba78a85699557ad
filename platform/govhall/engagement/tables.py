"""What citizens tell the government outside a case's own procedure: questions
(咨询), complaints (投诉), letters to the leader mailbox (领导信箱) and the 好差评
rating of a concluded case."""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.cases.tables import Case
from govhall.identity.tables import Account, Staff
from govhall.tenancy.tables import OrgUnit, Tenant


class Consultation(Table, tablename="engagement_consultation"):
    """A question, about one item or in general; published once answered, if the
    staff member answering finds it useful to others (the asker is never shown)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    item_code = Varchar(length=64, default="", index=True)
    asker = ForeignKey(Account, null=False, on_delete=OnDelete.restrict)
    question = Text()
    answer = Text(default="")
    answered_by = ForeignKey(Staff, null=True, default=None, on_delete=OnDelete.restrict)
    answered_at = Timestamptz(null=True, default=None)
    published = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class Complaint(Table, tablename="engagement_complaint"):
    """A complaint (routed to the supervisors) or a letter to the leader mailbox.
    An accepted complaint's outcome is disclosed on the portal (R-A10)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    number = Varchar(length=32, unique=True, help_text="TS/XX + date + sequence, for the filer")
    kind = Varchar(length=16, help_text="complaint | mailbox")
    filer = ForeignKey(Account, null=False, index=True, on_delete=OnDelete.restrict)
    subject = Varchar(length=200)
    body = Text()
    case_serial = Varchar(length=32, default="", help_text="The case complained about, if any")
    department = ForeignKey(OrgUnit, null=True, default=None, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="open", help_text="open | accepted | dismissed")
    outcome = Text(default="")
    disclosed = Boolean(default=False)
    handled_by = ForeignKey(Staff, null=True, default=None, on_delete=OnDelete.restrict)
    handled_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    due_on = Date(null=True, default=None, help_text="Answer by (the tenant's working-day limit)")
    escalated_at = Timestamptz(
        null=True, default=None, help_text="Set by the supervision sweep once overdue"
    )


class Rating(Table, tablename="engagement_rating"):
    """好差评: one rating (1–5) per concluded case, by its applicant; 1–2 need a reason."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, on_delete=OnDelete.restrict)
    account = ForeignKey(Account, null=False, on_delete=OnDelete.restrict)
    item_code = Varchar(length=64)
    department = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    level = Integer()
    reason = Text(default="")
    tags = JSON(
        default=[], help_text="A poor rating's reasons (engagement.services.BAD_RATING_TAGS)"
    )
    created_at = Timestamptz(default=TimestamptzNow())
    excluded = Boolean(default=False, help_text="Left out of scores after an upheld appeal (R-A11)")
    exclusion_reason = Text(default="")
