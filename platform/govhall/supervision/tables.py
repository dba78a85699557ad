"""Supervision (电子监察): the signals raised on cases and steps against their legal
clocks, and each tenant's thresholds."""

from piccolo.columns import (
    JSONB,
    UUID,
    Date,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.cases.tables import Case
from govhall.identity.tables import Staff
from govhall.tenancy.tables import OrgUnit, Tenant
from govhall.workflow.tables import Task


class SupervisionSettings(Table, tablename="supervision_settings"):
    """A tenant's signal thresholds in working days (R-S5); no row = the defaults."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, unique=True, on_delete=OnDelete.restrict)
    warning_days = Integer(default=2, help_text="Warn this many working days before a deadline")
    yellow_days = Integer(default=1, help_text="Yellow card this many working days overdue")
    red_days = Integer(default=2, help_text="Red card this many working days overdue")
    rectification_days = Integer(
        default=5, help_text="Working days to rectify after a rating of 1 or 2 (R-A11)"
    )
    complaint_days = Integer(
        default=10, help_text="Working days to answer a complaint or letter (R-A10)"
    )
    score_weights = JSONB(default={}, help_text="Performance score weights; {} = the defaults")
    updated_at = Timestamptz(default=TimestamptzNow())


class Signal(Table, tablename="supervision_signal"):
    """One level (warning, yellow or red card) raised once on one clock of a case —
    the case's legal deadline, its acceptance deadline, or one open step's limit —
    and cleared when the clock is no longer behind (concluded, extended, done).
    Unique per (case, subject, level): the sweep upserts, so running it twice, or
    twice at once, raises nothing twice."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, index=True, on_delete=OnDelete.restrict)
    task = ForeignKey(Task, null=True, default=None, on_delete=OnDelete.restrict)
    org_unit = ForeignKey(
        OrgUnit,
        null=True,
        default=None,
        on_delete=OnDelete.restrict,
        help_text="The unit responsible: the step's, or the case's department",
    )
    subject = Varchar(length=64, help_text="case | acceptance | step:<task id>")
    level = Varchar(length=8, help_text="warning | yellow | red")
    kind = Varchar(length=16, default="deadline", help_text="deadline | rule")
    deadline = Date(null=True, default=None, help_text="The deadline the level is counted from")
    reason = Text(default="")
    raised_at = Timestamptz(default=TimestamptzNow())
    cleared_at = Timestamptz(null=True, default=None, index=True)


class Clock(Table, tablename="supervision_clock"):
    """The highest level the sweep has signalled on one clock — a case's legal
    deadline, its acceptance deadline or one step's limit — while it is above
    none. The sweep compares every running clock's level with this narrow table
    in one hash join, so a sweep writes only the clocks whose level changed
    instead of probing every signal (see :mod:`govhall.supervision.sweep`).
    Unique per (case, subject)."""

    id = UUID(primary_key=True)
    # No index but the unique (case, subject): the sweep reads the table whole in a
    # hash join, and every index would be one more write per changed clock.
    tenant = ForeignKey(Tenant, null=False, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, on_delete=OnDelete.restrict)
    task = ForeignKey(Task, null=True, default=None, on_delete=OnDelete.restrict)
    subject = Varchar(length=64, help_text="case | acceptance | step:<task id>")
    level = SmallInt(help_text="1 warning, 2 yellow card, 3 red card")


class Leader(Table, tablename="supervision_leader"):
    """A responsible leader (责任领导) of a department: yellow and red cards raised
    on clocks in the department or below it reach them in the inbox and — with a
    mobile number — as one text message per sweep that raised any (R-S5).
    Unique per (org_unit, staff)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    org_unit = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    staff = ForeignKey(Staff, null=False, on_delete=OnDelete.restrict)
    mobile = Varchar(length=20, default="", help_text="Work mobile for card SMS; '' = inbox only")
    created_at = Timestamptz(default=TimestamptzNow())


class LeaderAlert(Table, tablename="supervision_leader_alert"):
    """One text message to one leader: the cards one sweep raised in their
    department, counted (a digest, not one message per case). Sent by the
    scheduled job ``send_leader_alerts``; unique per (leader, raised_at)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    leader = ForeignKey(Leader, null=False, index=True, on_delete=OnDelete.cascade)
    mobile = Varchar(length=20)
    yellow = Integer(default=0)
    red = Integer(default=0)
    serial_number = Varchar(length=64, default="", help_text="One of the cases, as an example")
    raised_at = Timestamptz(help_text="The sweep's moment")
    status = Varchar(length=16, default="queued", index=True, help_text="queued | sent | failed")
    attempts = Integer(default=0)
    last_error = Text(default="")
    provider = Varchar(length=64, default="")
    sent_at = Timestamptz(null=True, default=None)


class Ticket(Table, tablename="supervision_ticket"):
    """督办 (R-S6) or 整改 (R-A11): a supervisor's instruction to a department —
    about one case or about the department itself — with a working-day deadline.
    The department answers with a result and an explanation (and, for a
    rectification opened by a poor rating, the call-back to the applicant); the
    supervisor closes it or sends it back. Overdue open tickets are escalated by
    the sweep. ``history`` is the ticket's own record, shown with the case's."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    number = Varchar(length=32, unique=True, help_text="DB/ZG + date + random digits")
    kind = Varchar(length=16, default="supervision", help_text="supervision | rectification")
    case = ForeignKey(Case, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    org_unit = ForeignKey(
        OrgUnit, null=False, index=True, on_delete=OnDelete.restrict, help_text="Who must answer"
    )
    rating = UUID(null=True, default=None, help_text="The 好差评 rating a rectification follows")
    subject = Varchar(length=200)
    instruction = Text(default="")
    limit_days = Integer(help_text="Working days given")
    due_on = Date(index=True)
    status = Varchar(length=16, default="open", index=True, help_text="open | answered | closed")
    opened_by = UUID(null=True, default=None, help_text="Staff; null when opened by the system")
    opened_by_name = Varchar(length=200, default="")
    opened_at = Timestamptz(default=TimestamptzNow())
    result = Varchar(length=16, default="", help_text="rectified | explained")
    explanation = Text(default="")
    callback = Text(default="", help_text="回访: what the applicant said when called back")
    answered_at = Timestamptz(null=True, default=None)
    escalated_at = Timestamptz(null=True, default=None)
    appeal = Varchar(length=16, default="", help_text="'' | pending | upheld | rejected")
    appeal_reason = Text(default="")
    closed_at = Timestamptz(null=True, default=None)
    history = JSONB(default=[], help_text="[{at, action, by, text}] in order")


class TerminationRequest(Table, tablename="supervision_termination_request"):
    """终止办理 on request: a staff member asks, with the reason; a supervisor over the
    case's department approves (the case is terminated, the reason in its record)
    or rejects (the case goes on). One pending request per case."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, index=True, on_delete=OnDelete.restrict)
    reason = Text()
    requested_by = UUID(help_text="Staff")
    requested_by_name = Varchar(length=200)
    requested_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(
        length=16, default="pending", index=True, help_text="pending|approved|rejected"
    )
    reviewed_by_name = Varchar(length=200, default="")
    review_comment = Text(default="")
    reviewed_at = Timestamptz(null=True, default=None)
