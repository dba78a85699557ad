"""Application and case API shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec

from govhall.sdk import FeeLine


class MaterialRef(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    material_code: str
    blob_id: uuid.UUID


class ApplicationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    item_code: str
    form: dict[str, Any]
    materials: list[MaterialRef] = msgspec.field(default_factory=list)
    handling_unit: str | None = None
    """Code of the unit to apply to, when several offer the item (e.g. the town)."""
    pre_handling: bool = False
    """预办理: filled in online, counted as received only when confirmed at the counter."""
    on_behalf_of: str | None = None
    """An enterprise account's username: its operator or reviewer applies for it."""


class ApplicationOut(msgspec.Struct, kw_only=True):
    serial_number: str
    query_code: str
    """Shown once: keep it to check progress without logging in."""
    status: str
    status_label: str
    fees: list[FeeLine]
    fee_total_fen: int
    handling_unit: str
    promised_days: int
    outstanding_materials: list[str]
    """Codes of materials allowed to follow by correction (容缺受理) that were not sent."""
    acceptance_due: date | None = None
    """The acceptance decision is due by this working day (行政许可法 §32)."""


class TimelineEntry(msgspec.Struct, kw_only=True):
    seq: int
    action: str
    action_label: str
    step: str
    step_label: str
    to_status: str
    at: datetime
    opinion: str | None
    """Reasons the applicant is entitled to read (refusal, denial, correction, extension…)."""
    items: list[str] = msgspec.field(default_factory=list)
    """For a correction request: the complete list of what to supply."""
    note: str = ""
    """What the law makes of the event, in words: a deemed acceptance's start, a
    special procedure and the time it needs, a hearing's date."""


class TrackedStepOut(msgspec.Struct, kw_only=True):
    """A step of the case's flow (R-W14): done / in_progress / not_reached / cancelled."""

    key: str
    name: str
    branch: str
    status: str
    due_on: date | None
    done_at: datetime | None


class ProgressOut(msgspec.Struct, kw_only=True):
    serial_number: str
    item_code: str
    item_name: str
    status: str
    status_label: str
    decision: str | None
    submitted_at: datetime
    concluded_at: datetime | None
    acceptance_due: date | None
    due_on: date | None
    """The promised deadline (承诺时限) as it stands, pauses and extension included."""
    timeline: list[TimelineEntry]
    steps: list[TrackedStepOut]
    rectification: str = ""
    """好差评: what the department did about a poor rating, once a supervisor closed it."""
    renewal_expires_on: date | None = None
    """§50: the licence a renewal application renews expires on this day."""
    deemed_renewal_from: date | None = None
    """§50: undecided at expiry, the renewal counts as granted from this day."""


class ClockOut(msgspec.Struct, kw_only=True):
    received_on: date | None
    acceptance_due: date | None
    accepted_on: date | None
    deemed_accepted: bool
    """Accepted after the 5 working days: the limit counts from receipt (§32)."""
    start_on: date | None
    limit_days: int
    promised_days: int
    paused_days: int
    extension_days: int
    due_on: date | None
    promised_due_on: date | None
    stopped_on: date | None
    decided_on: date | None = None
    """The decision: §42's clock stops here."""
    issue_due: date | None = None
    """§44: the decision's document issued and delivered by this day."""
    renewal_expires_on: date | None = None
    deemed_renewal_from: date | None = None
    """§50: undecided at the licence's expiry, the renewal counts as granted."""


class ActiveStepOut(msgspec.Struct, kw_only=True):
    step: str
    name: str
    branch: str
    role: str
    unit: str
    assignee: str
    entered_at: datetime
    due_on: date | None


class StepRecordOut(msgspec.Struct, kw_only=True):
    seq: int
    step: str
    name: str
    branch: str
    action: str
    action_label: str
    actor_name: str
    role: str
    at: datetime
    opinion: str


class HoldOut(msgspec.Struct, kw_only=True):
    kind: str
    procedure: str
    since: date
    reason: str
    items: list[str]
    label: str = ""
    """The hold in words: the status, and a special procedure's name."""
    stops_clock: bool = True
    """False for a suspension without a legal ground: a note, the clock runs on."""
    ground: str = ""
    days_needed: int = 0
    """A §45 procedure's announced time (working days)."""
    due_on: date | None = None
    """The hold's own limit: the procedure's end, or a hearing's request window / date."""
    requested_on: date | None = None


class CaseStateOut(msgspec.Struct, kw_only=True):
    """A case as it stands (or stood at ``at``), rebuilt from its events."""

    serial_number: str
    item_code: str
    at: datetime
    seq: int
    """The last event included."""
    status: str
    status_label: str
    decision: str | None
    ended: bool
    hold: HoldOut | None
    flow_version: int
    clock: ClockOut
    active: list[ActiveStepOut]
    trail: list[StepRecordOut]
    steps: list[TrackedStepOut]
    project: str | None = None


class CaseAction(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    action: str
    opinion: str = ""
    step: str = ""
    """The active step acted on, when several are in progress (parallel branches)."""
    data: dict[str, Any] = msgspec.field(default_factory=dict)
    """Inputs some actions need: ``items`` (request_correction: the complete list),
    ``procedure`` (pause: hearing, inspection, testing, quarantine, appraisal,
    expert_review), ``to`` (return: an earlier step), ``staff`` (assign/transfer: a
    username), ``unit`` (transfer: an org unit code), ``target_seq`` (correct)."""


class CaseActionOut(msgspec.Struct, kw_only=True):
    serial_number: str
    action: str
    status: str
    status_label: str
    step: str | None
    decision: str | None
    due_on: date | None = None


class WithdrawRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: str = ""
