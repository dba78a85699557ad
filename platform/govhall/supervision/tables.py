"""Supervision (电子监察): the signals raised on cases and steps against their legal
clocks, and each tenant's thresholds."""

from piccolo.columns import UUID, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.cases.tables import Case
from govhall.tenancy.tables import OrgUnit, Tenant
from govhall.workflow.tables import Task


class SupervisionSettings(Table, tablename="supervision_settings"):
    """A tenant's signal thresholds in working days (R-S5); no row = the defaults."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, unique=True, on_delete=OnDelete.restrict)
    warning_days = Integer(default=2, help_text="Warn this many working days before a deadline")
    yellow_days = Integer(default=1, help_text="Yellow card this many working days overdue")
    red_days = Integer(default=2, help_text="Red card this many working days overdue")
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
