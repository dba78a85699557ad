"""Work items: the open (and finished) tasks of each case's flow."""

from piccolo.columns import JSONB, UUID, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.cases.tables import Case
from govhall.identity.tables import Staff
from govhall.tenancy.tables import OrgUnit, Tenant


class Task(Table, tablename="workflow_task"):
    """A step of a case waiting for (or done by) staff holding ``role`` over ``org_unit``."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, index=True, on_delete=OnDelete.restrict)
    step = Varchar(length=32)
    branch = Varchar(length=32, default="", help_text="Parallel branch, if any")
    position = Varchar(
        length=32, default="", help_text="岗位 within the role, if the step names one"
    )
    due_on = Date(null=True, default=None, index=True, help_text="Step deadline (working days)")
    role = Varchar(length=32, index=True)
    org_unit = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="open", index=True, help_text="open | done | cancelled")
    assignee = ForeignKey(Staff, null=True, default=None, on_delete=OnDelete.restrict)
    completed_by = ForeignKey(Staff, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    completed_at = Timestamptz(null=True, default=None)


class FlowDefinition(Table, tablename="workflow_flow_definition"):
    """A tenant's (or one department's) version of an item's flow (R-F1).

    Versions are never edited: saving creates the next one; cases keep the one
    they started on."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    item_code = Varchar(length=64, index=True)
    department = ForeignKey(
        OrgUnit,
        null=True,
        default=None,
        on_delete=OnDelete.restrict,
        help_text="Only for this department's cases; null = the whole tenant",
    )
    version = Integer()
    definition = JSONB(help_text="The FlowTemplate")
    note = Text(default="")
    created_by = ForeignKey(Staff, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
