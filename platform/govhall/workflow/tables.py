"""Work items: the open (and finished) tasks of each case's flow."""

from piccolo.columns import UUID, ForeignKey, Timestamptz, Varchar
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
    role = Varchar(length=32, index=True)
    org_unit = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="open", index=True, help_text="open | done | cancelled")
    assignee = ForeignKey(Staff, null=True, default=None, on_delete=OnDelete.restrict)
    completed_by = ForeignKey(Staff, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    completed_at = Timestamptz(null=True, default=None)
