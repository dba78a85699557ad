"""Cases (办件), their materials, their append-only events and serial counters."""

from piccolo.columns import (
    JSONB,
    UUID,
    BigInt,
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

from govhall.catalog.tables import ItemVersion
from govhall.identity.tables import Account, Staff
from govhall.storage.tables import BlobRecord
from govhall.tenancy.tables import OrgUnit, Tenant


class Project(Table, tablename="cases_project"):
    """A parallel-approval project (并联审批) or a bundle (一件事): several items' cases
    from one form and one set of materials, led by one department (项目库)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    number = Varchar(length=32, unique=True, help_text="项目编号")
    name = Varchar(length=200)
    kind = Varchar(length=16, default="parallel", help_text="parallel | bundle")
    joint = Boolean(default=False, help_text="联合办理: parts share the 45 + 15 day limit")
    lead_department = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    lead_item = Varchar(length=64, help_text="The lead department's item (牵头事项)")
    applicant = ForeignKey(Account, null=True, on_delete=OnDelete.restrict)
    applicant_name = Varchar(length=200)
    data = JSONB(default={}, help_text="The shared project information, entered once")
    materials = JSONB(default=[], help_text="The shared materials (material code, blob id)")
    open_parts = Integer(default=0, help_text="Parts not yet ended; 0 concludes the project")
    status = Varchar(length=16, default="open", help_text="open | concluded")
    created_at = Timestamptz(default=TimestamptzNow())
    concluded_at = Timestamptz(null=True, default=None)


class Case(Table, tablename="cases_case"):
    """One application being handled. ``status``/``step`` are a cache of the events."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    serial_number = Varchar(length=32, unique=True, help_text="办件编号")
    query_code_hash = Varchar(length=64, help_text="HMAC of the 查询码; the code is not stored")
    item_code = Varchar(length=64, index=True)
    item_version = ForeignKey(ItemVersion, null=False, on_delete=OnDelete.restrict)
    department = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    applicant = ForeignKey(Account, null=True, index=True, on_delete=OnDelete.restrict)
    applicant_name = Varchar(length=200)
    form = JSONB(default={}, help_text="The form; resident ID numbers in it are masked")
    form_sealed = JSONB(
        default={}, help_text="Resident ID numbers from the form, encrypted (cases.sealing)"
    )
    fees = JSONB(default=[], help_text="Assessed fee lines")
    fee_total = BigInt(default=0, help_text="Total fee in fen (分)")
    status = Varchar(length=24, index=True)
    step = Varchar(length=32, null=True, help_text="Current flow step; null once ended")
    flow = JSONB(default={}, help_text="The flow template the case started on")
    decision = Varchar(length=16, null=True, default=None, help_text="approved | denied")
    revision = Integer(default=0, help_text="Bumped by every action; guards lost updates")
    flow_version = Integer(default=0, help_text="The tenant flow version (0 = the item's default)")
    state = JSONB(default={}, help_text="Snapshot of the state folded from the events")
    hold = Varchar(length=16, null=True, default=None, help_text="Why the clock is stopped")
    received_on = Date(null=True, default=None, help_text="收件日 (the acceptance clock start)")
    acceptance_due = Date(null=True, default=None, index=True)
    due_on = Date(null=True, default=None, index=True, help_text="Legal deadline (法定)")
    promised_due_on = Date(null=True, default=None, index=True, help_text="承诺 deadline")
    issue_due = Date(
        null=True, default=None, help_text="§44: the decision's document issued and delivered by"
    )
    hold_due = Date(
        null=True, default=None, help_text="A hold's own limit (§45 time needed, §47 hearing)"
    )
    project = ForeignKey(Project, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    submitted_at = Timestamptz(default=TimestamptzNow())
    entered_by = ForeignKey(
        Staff,
        null=True,
        default=None,
        index=True,
        on_delete=OnDelete.restrict,
        help_text="The staff member who entered it for the applicant (代办), if any",
    )
    concluded_at = Timestamptz(null=True, default=None)


class CaseMaterial(Table, tablename="cases_case_material"):
    """A material supplied with a case, pointing at an uploaded blob."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, index=True, on_delete=OnDelete.restrict)
    material_code = Varchar(length=64)
    blob = ForeignKey(BlobRecord, null=False, on_delete=OnDelete.restrict)
    trust_level = Varchar(length=1, default="C", help_text="A|B|C|D (R-L3)")


class CaseEvent(Table, tablename="cases_case_event"):
    """One action on a case: who, in which role, when, from which state to which."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, index=True, on_delete=OnDelete.restrict)
    seq = Integer(help_text="1, 2, 3… per case; unique, so concurrent actions serialise")
    action = Varchar(length=32)
    actor_kind = Varchar(length=16, help_text="account | staff | system")
    actor_id = UUID(null=True, default=None)
    actor_name = Varchar(length=200)
    role = Varchar(length=32, default="")
    from_status = Varchar(length=24, default="")
    to_status = Varchar(length=24)
    step = Varchar(length=32, default="")
    opinion = Text(default="")
    data = JSONB(default={})
    created_at = Timestamptz(default=TimestamptzNow())


class SerialCounter(Table, tablename="cases_serial_counter"):
    """The last running number handed out per tenant and period (see cases.serials)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, on_delete=OnDelete.restrict)
    day = Varchar(
        length=40,
        help_text="The counter's key: YYYYMMDD (the tenant's time zone) for the default "
        "format, else the format's period and a digest of it (cases.serials)",
    )
    value = Integer(default=0)


class EnterpriseSubmission(Table, tablename="cases_enterprise_submission"):
    """An application an enterprise's operator (经办人) prepared for an item that asks
    for a reviewer's (审核人) confirmation: nothing reaches the government until a
    reviewer confirms it; then it becomes a case."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    enterprise = ForeignKey(Account, null=False, index=True, on_delete=OnDelete.restrict)
    operator = ForeignKey(Account, null=False, on_delete=OnDelete.restrict)
    item_code = Varchar(length=64)
    application = JSONB(default={}, help_text="The application as the operator sent it")
    status = Varchar(length=16, default="pending", help_text="pending | confirmed | declined")
    reviewer = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.restrict)
    opinion = Text(default="")
    serial_number = Varchar(
        length=32, null=True, default=None, help_text="The case, once confirmed"
    )
    created_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)


class Certificate(Table, tablename="cases_certificate"):
    """An e-certificate (电子证照, R-L3): the result of an approved case whose item
    declares ``result_certificate``, held by the applicant and reused as a trust-A
    material for other items asking for that certificate type."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    holder = ForeignKey(Account, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, on_delete=OnDelete.restrict)
    certificate_type = Varchar(length=100, help_text="e.g. 营业执照")
    number = Varchar(length=40, help_text="证照编号: the issuing case's serial number")
    holder_name = Varchar(length=200)
    item_code = Varchar(length=64)
    issued_on = Date()
    valid_until = Date(null=True, default=None, help_text="Last day of validity (§50)")
    status = Varchar(length=16, default="valid", help_text="valid | revoked")


class Batch(Table, tablename="cases_batch"):
    """A batch of homogeneous applicants (批量办件, R-W5) entered by staff: one shared
    part of the form, one row per person; accepting it opens one case per kept row."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    item_code = Varchar(length=64)
    department = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    applicant = ForeignKey(Account, null=True, on_delete=OnDelete.restrict)
    applicant_name = Varchar(length=200)
    shared = JSONB(default={}, help_text="The form's fields other than the rows")
    params = JSONB(default={}, help_text="The batch checks' parameters used")
    source = Varchar(length=16, default="xlsx", help_text="xlsx | typed")
    status = Varchar(length=16, default="open", index=True, help_text="open | accepted")
    rows_total = Integer(default=0)
    rows_invalid = Integer(default=0)
    rows_flagged = Integer(default=0)
    created_by = ForeignKey(Staff, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    accepted_by = ForeignKey(Staff, null=True, default=None, on_delete=OnDelete.restrict)
    accepted_at = Timestamptz(null=True, default=None)


class BatchRow(Table, tablename="cases_batch_row"):
    """One person of a batch: the row as entered (ID numbers masked, sealed apart),
    its errors (never accepted) and failed checks (highlighted), whether staff removed
    it, and the case it became."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    batch = ForeignKey(Batch, null=False, index=True, on_delete=OnDelete.cascade)
    row_no = Integer(help_text="The spreadsheet's row number (or the typed line)")
    data = JSONB(default={})
    sealed = JSONB(default={})
    errors = JSONB(default=[], help_text="[{field, zh-CN, en}]")
    flags = JSONB(default=[], help_text="Codes of the batch checks the row fails")
    removed = Boolean(default=False)
    case = ForeignKey(Case, null=True, default=None, on_delete=OnDelete.restrict)
