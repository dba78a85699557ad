"""Applications become cases: checks, fees, serial numbers, query codes, progress."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

import msgspec
import orjson
from piccolo.query.methods.select import SelectRaw

from govhall import db
from govhall.calendar.services import tenant_calendar
from govhall.cases.certificates import Renewal, renewal_of, usable_for
from govhall.cases.schemas import (
    ApplicationCreate,
    ApplicationOut,
    MaterialRef,
    ProgressOut,
    TimelineEntry,
)
from govhall.cases.sealing import seal_form
from govhall.cases.serials import format_of
from govhall.cases.tables import Case, CaseEvent, CaseMaterial, SerialCounter
from govhall.catalog.forms import strip_hidden, validate_form
from govhall.catalog.services import CatalogService, TenantItem
from govhall.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from govhall.fees.services import assess_fees, total_fen
from govhall.i18n import N_, Localized, translate
from govhall.identity.tables import Account
from govhall.identity.tokens import Principal
from govhall.notify.services import applicant_message, applicant_params
from govhall.plugins import InstalledItem, PluginRegistry
from govhall.sdk import MATERIAL_FORMATS, FeeLine, ItemSpec, evaluate
from govhall.statements import Statement, insert, inserts_together, new_row, statement
from govhall.storage.tables import BlobRecord
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow import machine, store
from govhall.workflow.engine import (
    ActionOutcome,
    case_columns,
    context_of,
    sync_tasks,
)
from govhall.workflow.flows import effective_flow
from govhall.workflow.labels import ACTION_LABELS, STATUS_LABELS, label
from govhall.workflow.machine import (
    HEARING_HELD_DAYS,
    HEARING_REQUEST_DAYS,
    SPECIAL_PROCEDURES,
    CaseState,
    Context,
    Event,
)
from govhall.workflow.services import tracked

#: Query codes avoid characters that are easy to confuse (0/O, 1/I/L).
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 8
#: Actions whose opinion is a reason the applicant is entitled to read.
PUBLIC_OPINIONS = frozenset(
    {"reject", "deny", "request_correction", "return_to_applicant", "extend", "pause", "terminate"}
)


def hash_query_code(secret_key: str, serial_number: str, query_code: str) -> str:
    """A keyed hash: the code itself is never stored, and checking it is fast."""
    message = f"{serial_number}:{query_code.strip().upper()}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


async def next_serial_number(tenant: TenantInfo, now: datetime) -> str:
    """The next 办件编号 in the tenant's format (:mod:`govhall.cases.serials`; by default
    ``{division code}{YYYYMMDD}{sequence:06}``), the date in the tenant's time zone."""
    return (await next_serial_numbers(tenant, now, 1))[0]


#: Rounds of skipping numbers an earlier format already used before giving up.
_SERIAL_ATTEMPTS = 20


async def next_serial_numbers(tenant: TenantInfo, now: datetime, count: int) -> list[str]:
    """``count`` consecutive serial numbers (a batch takes thousands at once).

    One upsert both creates the period's counter and advances it atomically, so
    concurrent submissions on either engine never get the same number. A tenant that
    changed its format could meet a number an earlier format made: those are skipped."""
    for _ in range(_SERIAL_ATTEMPTS):
        serials = await _unchecked_serial_numbers(tenant, now, count)
        if not await _taken_serials(serials):
            return serials
    raise _serials_exhausted()


async def _unchecked_serial_numbers(tenant: TenantInfo, now: datetime, count: int) -> list[str]:
    """The next ``count`` numbers of the counter, which an earlier format may have
    made already."""
    fmt = format_of(tenant.serial_format)
    local = now.astimezone(ZoneInfo(tenant.time_zone)).date()
    last = await _advance_counter(tenant, fmt.counter_key(local), count)
    return [fmt.render(tenant.division_code, local, n) for n in range(last - count + 1, last + 1)]


def _serials_exhausted() -> Conflict:
    return Conflict(
        N_("办件编号格式与已有编号重复，请管理员修改编号格式"), code="serial_numbers_exhausted"
    )


def _serial_number_taken(exc: BaseException) -> bool:
    """Whether ``exc`` is the database refusing a case's serial number as a duplicate."""
    if not db.is_unique_violation(exc):
        return False
    if isinstance(exc, sqlite3.IntegrityError):
        return "cases_case.serial_number" in str(exc)
    return getattr(exc, "constraint_name", None) == "cases_case_serial_number_key"


async def _advance_counter(tenant: TenantInfo, key: str, count: int) -> int:
    table = SerialCounter._meta.tablename
    # asyncpg wants uuid objects for uuid columns; SQLite stores Piccolo UUIDs as text.
    ids: tuple[object, object] = (uuid.uuid4(), tenant.id)
    if not db.is_postgres():
        ids = (str(ids[0]), str(ids[1]))
    rows = await SerialCounter.raw(
        f"INSERT INTO {table} (id, tenant, day, value) VALUES ({{}}, {{}}, {{}}, {{}}) "  # noqa: S608
        f"ON CONFLICT (tenant, day) DO UPDATE SET value = {table}.value + {{}} RETURNING value",
        *ids,
        key,
        count,
        count,
    )
    return int(rows[0]["value"])


async def _taken_serials(serials: list[str]) -> bool:
    """Whether any of ``serials`` is already a case's (serial numbers are unique across
    the platform; one index probe per chunk)."""
    for start in range(0, len(serials), 1000):
        chunk = serials[start : start + 1000]
        # Written out: the query builder's EXISTS names every column of the case, and
        # this runs on every submission.
        marks = ", ".join("{}" for _ in chunk)
        sql = f"SELECT 1 AS taken FROM cases_case WHERE serial_number IN ({marks}) LIMIT 1"  # noqa: S608
        if await Case.raw(sql, *chunk):
            return True
    return False


async def check_materials(
    item: ItemSpec,
    refs: Sequence[MaterialRef],
    tenant: TenantInfo,
    owners: Sequence[Principal],
    form: dict[str, Any],
    *,
    demand_required: bool = True,
) -> tuple[list[FieldError], list[tuple[str, uuid.UUID, str]], list[str]]:
    """Errors, the accepted (material, blob, trust level) links, and the codes of
    supplementable materials left for correction. Files must have been uploaded by
    one of ``owners`` (the applicant, or the enterprise's operator for it)."""
    uploaders = {(p.kind, p.id) for p in owners}
    errors: list[FieldError] = []
    declared = {m.code: m for m in item.materials}
    blob_ids = list({ref.blob_id for ref in refs})
    blobs = {}
    if blob_ids:
        rows = await _blobs_statement(len(blob_ids)).run(tenant.id, *blob_ids)
        blobs = {row["id"]: row for row in rows}
    supplied: dict[str, int] = {}
    accepted: list[tuple[str, uuid.UUID, str]] = []
    for ref in refs:
        code, blob_id = ref.material_code, ref.blob_id
        spec = declared.get(code)
        if spec is None:
            errors.append(
                FieldError(f"materials.{code}", N_("事项没有名为“{code}”的申请材料"), code=code)
            )
            continue
        name = Localized(spec.name, spec.name_en)
        blob = blobs.get(blob_id)
        if blob is None or (blob["owner_kind"], blob["owner_id"]) not in uploaders:
            errors.append(
                FieldError(
                    f"materials.{code}",
                    N_("“{material}”引用的文件不存在或不属于您，请重新上传"),
                    material=name,
                )
            )
            continue
        allowed_types = {MATERIAL_FORMATS[f] for f in spec.formats}
        if blob["content_type"] not in allowed_types:
            errors.append(
                FieldError(
                    f"materials.{code}",
                    N_("“{material}”只接受以下格式：{formats}"),
                    material=name,
                    formats="、".join(spec.formats).upper(),
                )
            )
            continue
        if blob["size"] > spec.max_size_mb * 1024 * 1024:
            errors.append(
                FieldError(
                    f"materials.{code}",
                    N_("“{material}”的文件不能超过 {limit} MB"),
                    material=name,
                    limit=spec.max_size_mb,
                )
            )
            continue
        supplied[code] = supplied.get(code, 0) + 1
        accepted.append((code, blob_id, spec.trust_level))
    outstanding: list[str] = []
    for spec in item.materials if demand_required else ():
        needed = spec.required or (
            spec.required_when is not None and evaluate(spec.required_when, form)
        )
        # E-certificates and shared data are obtained by the platform and staff (trust A),
        # never demanded from the applicant; an upload of one is still accepted.
        if not needed or spec.code in supplied or spec.source != "applicant":
            continue
        if spec.supplementable:
            outstanding.append(spec.code)
            continue
        errors.append(
            FieldError(
                f"materials.{spec.code}",
                N_("缺少必需的申请材料“{material}”"),
                material=Localized(spec.name, spec.name_en),
            )
        )
    return errors, accepted, outstanding


@dataclass(frozen=True, slots=True)
class PreparedApplication:
    """An application that passed every check, ready to become a case."""

    item: TenantItem
    account: Account
    unit_id: uuid.UUID
    unit_code: str
    form: dict[str, Any]
    materials: list[tuple[str, uuid.UUID, str]]
    outstanding: list[str]
    fees: list[FeeLine]
    via: dict[str, str] = field(default_factory=dict)
    """For an enterprise: who prepared (operator) and confirmed (reviewer) it."""
    entered_by: uuid.UUID | None = None
    """The staff member who entered it for a walk-in applicant (代办)."""
    renewal: Renewal | None = None
    """§50: the certificate a renewal application renews."""


async def prepare_application(
    *,
    tenant: TenantInfo,
    applicant: Principal,
    data: ApplicationCreate,
    catalog: CatalogService,
    registry: PluginRegistry,
    submitter: Principal | None = None,
) -> PreparedApplication:
    """Check the applicant, unit, form, plugin rules and materials; assess fees.
    ``submitter`` is the member acting for an enterprise applicant, if any."""
    if applicant.kind != "account":
        raise Forbidden(
            N_("请使用个人或法人账号提交申请；窗口代办请使用代申请功能"), code="applicant_required"
        )
    item = await catalog.tenant_item(tenant, data.item_code)
    spec = item.installed.spec
    account = await _ACCOUNT.run(applicant.id)
    if account is None or account.status != "active":
        raise Forbidden(N_("该账号已停用，请联系管理员"), code="account_disabled")
    if account.kind not in spec.audience:
        raise Forbidden(
            N_("该事项不面向{kind}办理"),
            code="audience_mismatch",
            kind=Localized("个人" if account.kind == "individual" else "法人", account.kind),
        )
    unit = item.unit(data.handling_unit)
    if unit is None:
        raise InvalidInput(
            N_("请选择办理机构：{units}"),
            code="handling_unit_required",
            errors=[
                FieldError(
                    "handling_unit",
                    N_("请从以下办理机构中选择一个：{units}"),
                    units="、".join(f"{u.name}（{u.code}）" for u in item.units),
                )
            ],
            units="、".join(u.name for u in item.units),
        )
    # §50 first: without a licence in its renewal window there is nothing to fill in.
    renewal = await renewal_of(account.id, spec, datetime.now(ZoneInfo(tenant.time_zone)).date())
    form = strip_hidden(spec.form, data.form) if isinstance(data.form, dict) else data.form
    errors = validate_form(spec.form, form)
    if not errors:
        for problem in await registry.validate_application(item.installed, form):
            errors.append(
                FieldError(
                    problem.field, "{text}", text=Localized(problem.message, problem.message_en)
                )
            )
    material_errors, materials, outstanding = await check_materials(
        spec, data.materials, tenant, [applicant, *([submitter] if submitter else [])], form
    )
    errors.extend(material_errors)
    if errors:
        raise InvalidInput(
            N_("申请内容有误，请按提示修改后重新提交"), code="invalid_application", errors=errors
        )
    fees = await registry.adjust_fees(item.installed, form, assess_fees(spec, form))
    return PreparedApplication(
        item=item,
        account=account,
        unit_id=unit.id,
        unit_code=unit.code,
        form=form,
        materials=materials,
        outstanding=outstanding,
        fees=fees,
        renewal=renewal,
    )


async def insert_case(
    prepared: PreparedApplication,
    *,
    tenant: TenantInfo,
    catalog: CatalogService,
    registry: PluginRegistry,
    secret_key: str,
    now: datetime,
    pre_handling: bool = False,
    project_id: uuid.UUID | None = None,
    joint: bool = False,
    serial_number: str | None = None,
    unchecked_serial: bool = False,
    tell_applicant: bool = False,
) -> tuple[Case, str]:
    """Create the case, its materials, its first event and tasks (inside the caller's
    transaction). Returns the case and its query code. Without ``serial_number`` the
    case is numbered here; ``unchecked_serial``: without first looking whether an
    earlier format made the number (the caller retries when the insert refuses it).
    ``tell_applicant``: the applicant's 'submitted' inbox message goes with the case
    (a project's parts are announced by the project instead)."""
    spec = prepared.item.installed.spec
    account = prepared.account
    flow, flow_version = await effective_flow(
        tenant, prepared.item.installed, prepared.unit_id, registry
    )
    version_id = await catalog.freeze(prepared.item.installed)
    query_code = new_query_code()
    if serial_number is None:
        serial_number = (
            (await _unchecked_serial_numbers(tenant, now, 1))[0]
            if unchecked_serial
            else await next_serial_number(tenant, now)
        )
    # Materials the applicant's e-certificates supply (trust A), by material code.
    certificates = {
        code: {"certificate_type": found.certificate_type, "number": found.number}
        for code, found in (await usable_for(account.id, spec)).items()
    }
    submit_data = {
        "materials": len(prepared.materials),
        **({"certificates": certificates} if certificates else {}),
        "outstanding_materials": prepared.outstanding,
        "statutory_days": spec.statutory_days,
        "promised_days": prepared.item.promised_days,
        "joint": joint,
        "pre_handling": pre_handling,
        **({"via": prepared.via} if prepared.via else {}),
        **(
            {
                "renewal": {
                    "number": prepared.renewal.number,
                    "expires_on": prepared.renewal.expires_on.isoformat(),
                }
            }
            if prepared.renewal
            else {}
        ),
    }
    event = Event(
        seq=1,
        action="submit",
        at=now,
        actor_kind="account",
        actor_id=str(account.id),
        actor_name=account.name,
        role="applicant",
        data=submit_data,
    )
    masked_form, sealed = seal_form(spec.form, prepared.form)
    ctx = Context(
        flow=flow,
        calendar=await tenant_calendar(tenant.id),
        tz=ZoneInfo(tenant.time_zone),
        form=masked_form,
    )
    state = machine.start(ctx, event)
    case = new_row(
        Case,
        tenant=tenant.id,
        serial_number=serial_number,
        query_code_hash=hash_query_code(secret_key, serial_number, query_code),
        item_code=spec.code,
        item_version=version_id,
        department=prepared.unit_id,
        applicant=account.id,
        applicant_name=account.name,
        form=masked_form,
        form_sealed=sealed,
        fees=msgspec.to_builtins(prepared.fees),
        fee_total=total_fen(prepared.fees),
        flow=msgspec.to_builtins(flow),
        flow_version=flow_version,
        revision=1,
        submitted_at=now,
        project=project_id,
        entered_by=prepared.entered_by,
    )
    for column, value in case_columns(state).items():
        setattr(case, column._meta.name, value)
    # Whole-row inserts with their SQL text kept (govhall.statements.insert): building
    # it for the case's ~40 columns was a tenth of a submission's CPU. On PostgreSQL
    # the case, its materials, event and first tasks go as one statement.
    async with inserts_together():
        await _insert_rows(case, prepared, tenant, state, submit_data, account, now)
        if tell_applicant:
            # In the case's own transaction, not a job after it: the receipt is in
            # the inbox exactly when the case exists, whatever Redis does meanwhile.
            item = Localized(spec.name, spec.name_en)
            message = applicant_message(
                tenant_id=tenant.id,
                applicant_id=account.id,
                case_id=case.id,
                event_seq=1,
                template="case_submitted",
                params=applicant_params(item, serial_number),
            )
            await insert(message, skip_conflicts=True)
    return case, query_code


async def _insert_rows(
    case: Case,
    prepared: PreparedApplication,
    tenant: TenantInfo,
    state: CaseState,
    submit_data: dict[str, Any],
    account: Account,
    now: datetime,
) -> None:
    await insert(case)
    if prepared.materials:
        await insert(
            *[
                new_row(
                    CaseMaterial,
                    tenant=tenant.id,
                    case=case.id,
                    material_code=code,
                    blob=blob_id,
                    trust_level=trust,
                )
                for code, blob_id, trust in prepared.materials
            ]
        )
    event_row = new_row(
        CaseEvent,
        tenant=tenant.id,
        case=case.id,
        seq=1,
        action="submit",
        actor_kind="account",
        actor_id=account.id,
        actor_name=account.name,
        role="applicant",
        from_status="",
        to_status=state.status,
        step="",
        data=submit_data,
        created_at=now,
    )
    await insert(event_row)
    await sync_tasks(
        tenant_id=tenant.id,
        case_id=case.id,
        department_id=prepared.unit_id,
        before=(),
        after=state.active,
        actor_id=None,
        acted_on=None,
        now=now,
    )


class Submitted(NamedTuple):
    """A case just created: its receipt, id, item and applicant (person or enterprise)."""

    receipt: ApplicationOut
    case_id: uuid.UUID
    item: TenantItem
    applicant_id: uuid.UUID


async def submit_application(
    *,
    tenant: TenantInfo,
    applicant: Principal,
    data: ApplicationCreate,
    catalog: CatalogService,
    registry: PluginRegistry,
    secret_key: str,
    submitter: Principal | None = None,
    via: dict[str, str] | None = None,
) -> Submitted:
    """Check everything, then create the case, its materials, its first event and task
    in one transaction."""
    prepared = await prepare_application(
        tenant=tenant,
        applicant=applicant,
        data=data,
        catalog=catalog,
        registry=registry,
        submitter=submitter,
    )
    if via:
        prepared.via.update(via)
    if submitter is not None and submitter.kind == "staff":
        prepared = replace(prepared, entered_by=submitter.id)
    now = datetime.now(ZoneInfo("UTC"))
    look_first = False
    for _ in range(_SERIAL_ATTEMPTS):
        # On PostgreSQL the number is taken by its own statement before the
        # transaction: the tenant's counter row for the day is then locked for that
        # statement only, not until the case's commit, so a county's concurrent
        # submissions do not queue on it. Like a database sequence, a submission
        # failing after this leaves a gap in the numbers (they stay unique and
        # increasing). SQLite has one writer anyway, and numbers inside the
        # transaction. On both, the case's unique serial number is the check that an
        # earlier format did not make it already (no probe first): refused, the
        # transaction is rolled back and the next number taken.
        serial_number = (
            (await _unchecked_serial_numbers(tenant, now, 1))[0] if db.is_postgres() else None
        )
        try:
            async with db.transaction():
                case, query_code = await insert_case(
                    prepared,
                    tenant=tenant,
                    catalog=catalog,
                    registry=registry,
                    secret_key=secret_key,
                    now=now,
                    pre_handling=data.pre_handling,
                    serial_number=serial_number,
                    unchecked_serial=not look_first,
                    tell_applicant=True,
                )
            break
        except Exception as exc:
            if not _serial_number_taken(exc):
                raise
            # SQLite's counter was advanced inside the transaction rolled back: the
            # next attempt there looks before using a number.
            look_first = True
    else:
        raise _serials_exhausted()
    await registry.case_event(
        prepared.item.installed,
        event={
            "action": "submit",
            "seq": 1,
            "step": "",
            "from_status": "",
            "to_status": case.status,
            "opinion": "",
        },
        case={
            "serial_number": case.serial_number,
            "tenant": tenant.slug,
            "status": case.status,
            "form": prepared.form,
            "decision": None,
        },
    )
    receipt = ApplicationOut(
        serial_number=case.serial_number,
        query_code=query_code,
        status=case.status,
        status_label="",
        fees=prepared.fees,
        fee_total_fen=total_fen(prepared.fees),
        handling_unit=prepared.unit_code,
        promised_days=prepared.item.promised_days,
        outstanding_materials=prepared.outstanding,
        acceptance_due=case.acceptance_due,
    )
    return Submitted(receipt, case.id, prepared.item, case.applicant)


async def announce_action(
    catalog: CatalogService, tenant: TenantInfo, outcome: ActionOutcome
) -> None:
    """Tell the item's plugin about a committed action, with the item version the
    case started on (R-P8). Plugin failures are reported, never raised."""
    installed = catalog.registry.items.get(outcome.item_code)
    if installed is None:  # the plugin was uninstalled; nobody is left to tell
        return
    spec = await catalog.spec_of_version(outcome.item_version)
    await catalog.registry.case_event(
        InstalledItem(plugin=installed.plugin, spec=spec),
        event={
            "action": outcome.action,
            "seq": outcome.event_seq,
            "step": outcome.step or "",
            "from_status": outcome.from_status,
            "to_status": outcome.to_status,
            "opinion": outcome.opinion,
        },
        case={
            "serial_number": outcome.serial_number,
            "tenant": tenant.slug,
            "status": outcome.to_status,
            "form": outcome.form,
            "decision": outcome.decision,
        },
    )


_NO_SUCH_CASE = N_("办件编号或查询码不正确")


#: The applicant, read on every submission (govhall.statements).
_ACCOUNT = statement(lambda account: Account.objects().where(Account.id == account).first())


@lru_cache(maxsize=32)
def _blobs_statement(count: int) -> Statement[list[dict[str, Any]]]:
    """The uploads an application names, for ``count`` of them."""
    return statement(
        lambda tenant, *blobs: BlobRecord.select(
            BlobRecord.id,
            BlobRecord.content_type,
            BlobRecord.owner_kind,
            BlobRecord.owner_id,
            BlobRecord.size,
        ).where((BlobRecord.tenant == tenant) & BlobRecord.id.is_in(list(blobs))),
        1 + count,
    )


#: What a progress answer shows of the case.
_PROGRESS_FIELDS = (
    "serial_number",
    "item_code",
    "status",
    "decision",
    "submitted_at",
    "concluded_at",
    "acceptance_due",
    "promised_due_on",
    "state",
    "flow",
    "form",
)
#: The same read by serial number takes the flow as its text: flows repeat across
#: cases, and store.flow_from_json decodes each distinct one once.
_PROGRESS_FIELDS_BUT_FLOW = tuple(name for name in _PROGRESS_FIELDS if name != "flow")
_FLOW_TEXT_SQL = {
    "postgres": "cases_case.flow::text AS flow_text",
    "sqlite": "cases_case.flow AS flow_text",
}
#: The event columns of a timeline, in the order the one-statement form packs them.
_TIMELINE_FIELDS = ("seq", "action", "step", "to_status", "created_at", "opinion", "data")


#: A case's events as one JSON array of arrays (:data:`_TIMELINE_FIELDS`), per engine.
_TIMELINE_SQL = {
    "postgres": (
        "(SELECT coalesce(json_agg(json_build_array(e.seq, e.action, e.step, e.to_status, "
        "e.created_at, e.opinion, e.data)), '[]') FROM cases_case_event e "
        'WHERE e."case" = cases_case.id) AS timeline'
    ),
    "sqlite": (
        "(SELECT json_group_array(json_array(e.seq, e.action, e.step, e.to_status, "
        "e.created_at, e.opinion, json(e.data))) FROM cases_case_event e "
        'WHERE e."case" = cases_case.id) AS timeline'
    ),
}


def _timeline_column(engine_type: str) -> SelectRaw:
    """The timeline as a column of the case's own row: the public progress query is
    one round trip."""
    return SelectRaw(_TIMELINE_SQL[engine_type])


#: The public progress query: the case and its timeline in one statement, compiled
#: once per engine (see govhall.statements).
_CASE_BY_SERIAL = statement(
    lambda tenant, serial: (
        Case.select(
            *(getattr(Case, name) for name in _PROGRESS_FIELDS_BUT_FLOW),
            SelectRaw(_FLOW_TEXT_SQL[Case._meta.db.engine_type]),
            Case.query_code_hash,
            _timeline_column(Case._meta.db.engine_type),
        )
        .output(load_json=True)
        .where((Case.tenant == tenant) & (Case.serial_number == serial))
        .first()
    )
)
_PUBLIC_TIMELINE = statement(
    lambda case: (
        CaseEvent.select(*(getattr(CaseEvent, name) for name in _TIMELINE_FIELDS))
        .output(load_json=True)
        .where(CaseEvent.case == case)
        .order_by(CaseEvent.seq)
    )
)


def _unpacked_timeline(packed: Any) -> list[dict[str, Any]]:
    """:func:`_timeline_column`'s array as the rows :data:`_PUBLIC_TIMELINE` gives."""
    events = []
    for values in orjson.loads(packed) if isinstance(packed, str | bytes) else packed:
        event = dict(zip(_TIMELINE_FIELDS, values, strict=True))
        at = event["created_at"]
        event["created_at"] = datetime.fromisoformat(at) if isinstance(at, str) else at
        events.append(event)
    # An aggregate's order is the engine's choice: put it right here.
    events.sort(key=lambda event: event["seq"])
    return events


async def progress(
    *,
    tenant: TenantInfo,
    serial_number: str,
    query_code: str,
    secret_key: str,
    catalog: CatalogService,
    locale: str,
) -> ProgressOut:
    """Public progress by serial number and query code; the same answer for an unknown
    number and a wrong code, so numbers cannot be probed."""
    case = await _CASE_BY_SERIAL.run(tenant.id, serial_number.strip())
    expected = hash_query_code(secret_key, serial_number.strip(), query_code)
    if case is None or not hmac.compare_digest(case["query_code_hash"], expected):
        raise NotFound(_NO_SUCH_CASE, code="case_not_found")
    events = _unpacked_timeline(case["timeline"])
    case["flow"] = store.flow_from_json(case["flow_text"])
    return await _progress_of(case, events, tenant, locale, catalog)


async def case_progress(
    case: Case, tenant: TenantInfo, locale: str, catalog: CatalogService
) -> ProgressOut:
    events = await _PUBLIC_TIMELINE.run(case.id)
    shown = {name: getattr(case, name) for name in _PROGRESS_FIELDS}
    return await _progress_of(shown, events, tenant, locale, catalog)


def _event_note(event: dict[str, Any], ctx: Context, locale: str) -> str:
    """The legal meaning of a clock event, as the applicant reads it."""
    data = event["data"] or {}
    at = event["created_at"]
    if event["action"] == "deem_accept":
        return translate(
            N_(
                "5 个工作日内未作受理决定，依法自收到申请材料之日起视为受理，办理期限自收件日起计算"
            ),
            locale,
        )
    if event["action"] == "pause":
        procedure = SPECIAL_PROCEDURES.get(str(data.get("procedure", "")))
        days = int(data.get("days_needed") or 0)
        if procedure is None or not days:
            return ""
        if data.get("procedure") == "hearing":
            due = ctx.calendar.add_working_days(ctx.day(at), HEARING_REQUEST_DAYS)
            return translate(
                N_(
                    "听证：所需时间约 {days} 个工作日，不计入办理时限；"
                    "如要求听证，请于 {due} 前提出申请"
                ),
                locale,
                days=days,
                due=due.isoformat(),
            )
        return translate(
            N_("{procedure}：所需时间 {days} 个工作日（预计至 {until}），不计入办理时限"),
            locale,
            procedure=procedure,
            days=days,
            until=ctx.calendar.add_working_days(ctx.day(at), days).isoformat(),
        )
    if event["action"] == "hearing_requested":
        due = ctx.calendar.add_working_days(ctx.day(at), HEARING_HELD_DAYS)
        return translate(N_("听证将于 {due} 前组织"), locale, due=due.isoformat())
    return ""


async def _progress_of(
    case: dict[str, Any],
    events: list[dict[str, Any]],
    tenant: TenantInfo,
    locale: str,
    catalog: CatalogService,
) -> ProgressOut:
    ctx = await context_of(case["flow"], case["form"], tenant)
    installed = catalog.registry.items.get(case["item_code"])
    item_name = ""
    if installed:
        item_name = Localized(installed.spec.name, installed.spec.name_en).pick(locale)
    timeline = []
    for event in events:
        placed = ctx.places.get(event["step"])  # branch steps included
        step_text = Localized(placed.step.name, placed.step.name_en).pick(locale) if placed else ""
        timeline.append(
            TimelineEntry(
                seq=event["seq"],
                action=event["action"],
                action_label=label(ACTION_LABELS, event["action"]).pick(locale),
                step=event["step"],
                step_label=step_text,
                to_status=event["to_status"],
                at=event["created_at"],
                opinion=event["opinion"] if event["action"] in PUBLIC_OPINIONS else None,
                items=list((event["data"] or {}).get("items", []))
                if event["action"] in ("request_correction", "return_to_applicant")
                else [],
                note=_event_note(event, ctx, locale),
            )
        )
    state = CaseState.from_builtins(cast(dict[str, Any], case["state"]))
    return ProgressOut(
        serial_number=case["serial_number"],
        item_code=case["item_code"],
        item_name=item_name,
        status=case["status"],
        status_label=label(STATUS_LABELS, case["status"]).pick(locale),
        decision=case["decision"],
        submitted_at=case["submitted_at"],
        concluded_at=case["concluded_at"],
        acceptance_due=case["acceptance_due"],
        due_on=case["promised_due_on"],
        timeline=timeline,
        steps=tracked(ctx, state, locale),
        rectification=await _rectification(tenant, case, locale),
        renewal_expires_on=state.clock.renewal_expires_on,
        deemed_renewal_from=machine.deemed_renewal_from(
            state, datetime.now(ZoneInfo(tenant.time_zone)).date()
        ),
    )


async def _rectification(tenant: TenantInfo, case: dict[str, Any], locale: str) -> str:
    """A rated case's rectification result (only an ended case can be rated: an open
    one's progress stays one statement)."""
    if case["status"] not in ("concluded", "rejected", "withdrawn", "terminated", "voided"):
        return ""
    # On use: supervision stands above cases (its tickets are about cases).
    from govhall.supervision.tickets import rectification_of_case

    return await rectification_of_case(tenant.id, case["serial_number"], locale)
