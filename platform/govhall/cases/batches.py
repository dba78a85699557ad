"""Batch cases (批量办件, R-W5): many homogeneous applicants — a factory's workers
needing health certificates — entered by staff from a spreadsheet or as typed
lines, checked row by row, and accepted in one decision that opens one case per
person (own serial number, own fee line, own receipt line).

The item names its list field of persons (``ItemSpec.batch_rows``); every other
field of the form is shared by the batch. A row with errors (a missing name, a
wrong ID number, the same ID twice) is kept with its row number and never
becomes a case; a row failing one of the item's parameterised checks
(``batch_checks``) is highlighted for staff, who remove it or keep it.

Speed is the point (10,000 rows in seconds): the shared fields are checked once,
each row only against the row's own schema (one compiled validator), the
plugin's rules once over all rows, and rows and cases are written in chunks of
multi-row INSERTs in one transaction. Acceptance runs the workflow machine in
memory for each case — the same pure functions a single action uses — after
checking once that the clerk may accept at the flow's first step.
"""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import msgspec
from jsonschema import Draft202012Validator

from govhall import db
from govhall.audit.services import Actor, record
from govhall.calendar.services import tenant_calendar
from govhall.cases.agent import WalkInApplicant, account_for_walk_in
from govhall.cases.sealing import open_sealed, restore, seal_form
from govhall.cases.services import hash_query_code, new_query_code, next_serial_numbers
from govhall.cases.tables import Batch, BatchRow, Case, CaseEvent
from govhall.catalog.forms import validate_form
from govhall.catalog.services import TenantItem
from govhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from govhall.fees.services import assess_fees, total_fen
from govhall.i18n import N_, Localized, translate
from govhall.identity import realname
from govhall.identity.access import require_staff_of
from govhall.identity.services import covers, grants_of, org_unit_path
from govhall.identity.tokens import Principal
from govhall.sdk import BatchCheck, FeeLine, ItemSpec, evaluate
from govhall.statements import insert, new_row
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow import machine
from govhall.workflow.engine import case_columns
from govhall.workflow.flows import effective_flow
from govhall.workflow.machine import Context, Event

if TYPE_CHECKING:
    from govhall.services import Services

#: The most rows one batch takes (a spreadsheet or typed lines).
MAX_ROWS = 20_000
#: Rows per multi-row INSERT: well inside both engines' bound-parameter limits.
CHUNK = 400
#: Who may enter and accept batches: the window's clerks.
BATCH_ROLES = frozenset({"clerk"})
LOCALES = ("zh-CN", "en")


class BatchIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    item_code: str
    applicant: WalkInApplicant
    shared: dict[str, Any] = msgspec.field(default_factory=dict)
    params: dict[str, Any] = msgspec.field(default_factory=dict)
    handling_unit: str | None = None


class BatchSummary(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    item_code: str
    item_name: str
    applicant_name: str
    status: str
    rows_total: int
    rows_invalid: int
    rows_flagged: int
    rows_removed: int
    rows_accepted: int
    params: dict[str, Any]
    created_at: datetime


class RowOut(msgspec.Struct, kw_only=True):
    row_no: int
    data: dict[str, Any]
    errors: list[dict[str, str]]
    flags: list[str]
    removed: bool
    serial_number: str | None = None


# --- the rows: template, reading, checking -------------------------------------------


def rows_spec(spec: ItemSpec) -> tuple[str, dict[str, Any], list[str]]:
    """(the list field, its row schema, the row's required fields) of a batch item."""
    if not spec.batch or not spec.batch_rows:
        raise Conflict(N_("事项“{item}”不支持批量办件"), code="batch_not_allowed", item=spec.name)
    row = spec.form.properties[spec.batch_rows]["items"]
    return spec.batch_rows, row, list(row.get("required", []))


def _title(field: str, fspec: dict[str, Any], locale: str) -> str:
    zh = str(fspec.get("title") or field)
    return zh if locale == "zh-CN" else str(fspec.get("x-title-en") or zh)


def template_xlsx(spec: ItemSpec, locale: str) -> bytes:
    """The spreadsheet staff fill in: one column per row field, formatted as text so
    that ID numbers keep their last digits, with a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    _, row, required = rows_spec(spec)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名单" if locale == "zh-CN" else "Persons"
    for column, (field, fspec) in enumerate(row["properties"].items(), start=1):
        cell = sheet.cell(row=1, column=column, value=_title(field, fspec, locale))
        cell.font = Font(bold=field in required)
        if field in required:
            cell.comment = Comment("必填 / required", "govhall")
        if fspec.get("enum"):
            cell.comment = Comment(" / ".join(map(str, fspec["enum"])), "govhall")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = 24
        for r in range(2, 1002):
            sheet[f"{letter}{r}"].number_format = "@"
    notes = book.create_sheet("说明" if locale == "zh-CN" else "Notes")
    notes.append([spec.name if locale == "zh-CN" else (spec.name_en or spec.name)])
    notes.append(
        [
            "每行一人；加粗的列必填；不要改动第一行的列名；身份证号码请按文本填写。"
            if locale == "zh-CN"
            else "One person per row; bold columns are required; keep the first row's "
            "headings; type ID numbers as text."
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _columns(headings: Sequence[Any], row: dict[str, Any], required: list[str]) -> list[str]:
    """Map the headings (field keys, zh or en titles) to row fields; wrong columns
    are refused naming what is unknown and what is missing."""
    names: dict[str, str] = {}
    for field, fspec in row["properties"].items():
        for alias in (field, fspec.get("title"), fspec.get("x-title-en")):
            if alias:
                names[str(alias).strip().lower()] = field
    fields: list[str] = []
    unknown: list[str] = []
    for heading in headings:
        text = "" if heading is None else str(heading).strip()
        if not text:
            fields.append("")
            continue
        field = names.get(text.lower())
        if field is None:
            unknown.append(text)
        fields.append(field or "")
    missing = [str(row["properties"][f].get("title") or f) for f in required if f not in fields]
    if unknown or missing:
        raise InvalidInput(
            N_(
                "名单的列不符合模板：未知的列 {unknown}；缺少必填的列 {missing}。"
                "请下载模板后重新填写"
            ),
            code="batch_columns",
            unknown="、".join(unknown) or "—",
            missing="、".join(missing) or "—",
        )
    return fields


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def read_xlsx(spec: ItemSpec, content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(row number, values by field) of every non-empty row of the first sheet."""
    from openpyxl import load_workbook

    _, row, required = rows_spec(spec)
    if not content.startswith(b"PK\x03\x04"):  # an XLSX file is a zip archive
        raise InvalidInput(
            N_("名单文件不是 XLSX 表格，请上传由模板填写的文件"), code="batch_file_type"
        )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise InvalidInput(
            N_("无法读取名单文件，请上传由模板填写的 XLSX 表格"), code="batch_file_unreadable"
        ) from exc
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        headings = next(lines, None)
        if headings is None:
            raise InvalidInput(N_("名单是空的"), code="batch_empty")
        fields = _columns(headings, row, required)
        out: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(lines, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            if len(out) >= MAX_ROWS:
                raise InvalidInput(
                    N_("一批最多 {limit} 人，请分批导入"), code="batch_too_large", limit=MAX_ROWS
                )
            data = {
                field: _cell(value)
                for field, value in zip(fields, values, strict=False)
                if field and value is not None and str(value).strip() != ""
            }
            out.append((number, data))
    finally:
        book.close()
    return out


def read_typed(spec: ItemSpec, text: str) -> list[tuple[int, dict[str, Any]]]:
    """Typed lines (names only, or name and ID number…), fields in the template's
    column order, separated by tabs, commas or spaces."""
    _, row, _ = rows_spec(spec)
    order = list(row["properties"])
    out: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [p for p in line.replace("，", ",").replace("\t", ",").split(",")]
        if len(parts) == 1:
            parts = line.split()
        parts = [p.strip() for p in parts]
        if not any(parts):
            continue
        if len(out) >= MAX_ROWS:
            raise InvalidInput(
                N_("一批最多 {limit} 人，请分批导入"), code="batch_too_large", limit=MAX_ROWS
            )
        out.append((number, {f: v for f, v in zip(order, parts, strict=False) if v}))
    return out


def _message(field: str, message: str, **params: Any) -> dict[str, str]:
    return {"field": field, **{loc: translate(message, loc, **params) for loc in LOCALES}}


def _person_facts(row: dict[str, Any], id_fields: list[str], today: date) -> dict[str, Any]:
    facts = dict(row)
    number = next((row[f] for f in id_fields if isinstance(row.get(f), str)), None)
    if number and realname.is_valid_id_number(number):
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        facts["age"] = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        facts["sex"] = "male" if int(number[16]) % 2 else "female"
    return facts


def check_params(spec: ItemSpec, given: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each check's parameters: the item's defaults, with the values staff set for
    this batch (numbers stay numbers)."""
    known = {p.name: p for c in spec.batch_checks for p in c.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InvalidInput(
            N_("未知的检查参数：{names}"), code="batch_param_unknown", names="、".join(unknown)
        )
    out: dict[str, dict[str, Any]] = {}
    for check in spec.batch_checks:
        values: dict[str, Any] = {}
        for param in check.params:
            value = given.get(param.name, param.value)
            if isinstance(param.value, int | float) and not isinstance(value, int | float):
                try:
                    value = float(str(value)) if isinstance(param.value, float) else int(str(value))
                except ValueError:
                    raise InvalidInput(
                        N_("检查参数“{label}”须为数字"),
                        code="batch_param_number",
                        label=Localized(param.label, param.label_en),
                    ) from None
            values[param.name] = value
        out[check.code] = values
    return out


def _failed_checks(
    checks: Sequence[BatchCheck], params: dict[str, dict[str, Any]], facts: dict[str, Any]
) -> list[str]:
    return [c.code for c in checks if not evaluate(c.rule, {**facts, "param": params[c.code]})]


async def check_rows(
    services: Services,
    item: TenantItem,
    shared: dict[str, Any],
    rows: list[tuple[int, dict[str, Any]]],
    params: dict[str, dict[str, Any]],
    today: date,
) -> list[tuple[int, dict[str, Any], list[dict[str, str]], list[str]]]:
    """(row number, values, errors, failed check codes) for every row."""
    spec = item.installed.spec
    field, row_schema, _ = rows_spec(spec)
    validator = Draft202012Validator(row_schema)
    id_fields = [
        f for f, s in row_schema["properties"].items() if s.get("x-format") == "cn_resident_id"
    ]
    # Everything but the rows is checked once, with a harmless stand-in row.
    sample = next((values for _, values in rows), {})
    problems = [
        e
        for e in validate_form(spec.form, {**shared, field: [sample]})
        if e.field.split(".")[0] != field
    ]
    if problems:
        raise InvalidInput(
            N_("批量办件的共同信息有误，请按提示修改"), code="invalid_batch_shared", errors=problems
        )
    seen: dict[str, int] = {}
    checked: list[tuple[int, dict[str, Any], list[dict[str, str]], list[str]]] = []
    for number, values in rows:
        errors = _row_errors(spec, field, validator, values, id_fields)
        for name in id_fields:
            key = str(values.get(name, "")).upper()
            if key and not errors:
                if key in seen:
                    errors.append(
                        _message(name, N_("与第 {row} 行的身份证号码重复"), row=seen[key])
                    )
                else:
                    seen[key] = number
        flags = (
            []
            if errors
            else _failed_checks(spec.batch_checks, params, _person_facts(values, id_fields, today))
        )
        checked.append((number, values, errors, flags))
    # The plugin's own rules, once over every good row; its problems name rows by index.
    good = [i for i, (_, _, errors, _) in enumerate(checked) if not errors]
    form = {**shared, field: [checked[i][1] for i in good]}
    for problem in await services.registry.validate_application(item.installed, form):
        head, _, rest = problem.field.partition(".")
        index, _, sub = rest.partition(".")
        if head == field and index.isdigit() and int(index) < len(good):
            target = checked[good[int(index)]]
            target[2].append(
                {
                    "field": sub or field,
                    "zh-CN": problem.message,
                    "en": problem.message_en or problem.message,
                }
            )
            target[3].clear()
    return checked


def _row_errors(
    spec: ItemSpec,
    field: str,
    validator: Draft202012Validator,
    values: dict[str, Any],
    id_fields: list[str],
) -> list[dict[str, str]]:
    row_schema = validator.schema
    errors: list[dict[str, str]] = []
    for error in validator.iter_errors(values):
        if error.validator == "required":
            for name in error.validator_value:
                if name not in values:
                    label = _label(row_schema, name)
                    errors.append(_message(name, N_("请填写“{label}”"), label=label))
            continue
        name = str(error.absolute_path[0]) if error.absolute_path else ""
        if error.validator == "additionalProperties":
            continue
        label = _label(row_schema, name)
        errors.append(_message(name, N_("“{label}”不符合要求"), label=label))
    for name in id_fields:
        value = values.get(name)
        if isinstance(value, int):
            errors.append(
                _message(
                    name,
                    N_("“{label}”被表格软件存成了数字，请将该列设为文本后重填"),
                    label=_label(row_schema, name),
                )
            )
        elif (
            isinstance(value, str)
            and value
            and not any(e["field"] == name for e in errors)
            and not realname.is_valid_id_number(value)
        ):
            errors.append(
                _message(
                    name,
                    N_("“{label}”不是有效的身份证号码（校验位不符）"),
                    label=_label(row_schema, name),
                )
            )
    return errors


def _label(row_schema: Any, name: str) -> Localized:
    fspec = row_schema.get("properties", {}).get(name, {})
    title = str(fspec.get("title") or name)
    return Localized(title, str(fspec.get("x-title-en") or title))


# --- the batch: create, view, remove rows, accept -----------------------------------


async def require_clerk(tenant: TenantInfo, staff: Principal) -> None:
    require_staff_of(staff, tenant)
    if not any(g.role in BATCH_ROLES for g in await grants_of(staff.id, tenant)):
        raise Forbidden(N_("只有受理人员可以办理批量办件"), code="role_required")


async def create_batch(
    services: Services,
    tenant: TenantInfo,
    staff: Principal,
    data: BatchIn,
    rows: list[tuple[int, dict[str, Any]]],
    source: str,
) -> BatchSummary:
    """Check every row and keep the batch with all its rows (bad ones with their
    errors), so nothing typed is lost; only good, kept rows are accepted later."""
    await require_clerk(tenant, staff)
    item = await services.catalog.tenant_item(tenant, data.item_code)
    spec = item.installed.spec
    rows_spec(spec)
    if not rows:
        raise InvalidInput(N_("名单是空的"), code="batch_empty")
    unit = item.unit(data.handling_unit)
    if unit is None:
        raise InvalidInput(
            N_("请选择办理机构：{units}"),
            code="handling_unit_required",
            units="、".join(u.name for u in item.units),
        )
    if data.applicant.kind not in spec.audience:
        raise Forbidden(
            N_("该事项不面向{kind}办理"),
            code="audience_mismatch",
            kind=Localized(
                "个人" if data.applicant.kind == "individual" else "法人", data.applicant.kind
            ),
        )
    params = check_params(spec, data.params)
    today = datetime.now(ZoneInfo(tenant.time_zone)).date()
    checked = await check_rows(services, item, data.shared, rows, params, today)
    applicant = await account_for_walk_in(tenant, staff, data.applicant)
    field = spec.batch_rows
    batch = Batch(
        tenant=tenant.id,
        item_code=spec.code,
        department=unit.id,
        applicant=applicant.id,
        applicant_name=applicant.name,
        shared=data.shared,
        params=params,
        source=source,
        rows_total=len(checked),
        rows_invalid=sum(1 for c in checked if c[2]),
        rows_flagged=sum(1 for c in checked if c[3]),
        created_by=staff.id,
    )
    rows_out = []
    for number, values, errors, flags in checked:
        masked, sealed = seal_form(spec.form, {field: [values]}, column=ROW_COLUMN)
        rows_out.append(
            new_row(
                BatchRow,
                tenant=tenant.id,
                batch=batch.id,
                row_no=number,
                data=masked[field][0],
                sealed=sealed,
                errors=errors,
                flags=flags,
            )
        )
    async with db.transaction():
        await batch.save()
        for chunk in _chunks(rows_out):
            await insert(*chunk)
    await record(
        tenant.id,
        Actor(kind="staff", id=str(staff.id), name=staff.name),
        "batch_created",
        target=str(batch.id),
        detail={"item": spec.code, "rows": len(checked), "invalid": batch.rows_invalid},
    )
    return await batch_summary(services, tenant, staff, batch.id)


ROW_COLUMN = "cases_batch_row.sealed"


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _batch(tenant: TenantInfo, staff: Principal, batch_id: uuid.UUID) -> dict[str, Any]:
    await require_clerk(tenant, staff)
    row = (
        await Batch.select()
        .output(load_json=True)
        .where((Batch.tenant == tenant.id) & (Batch.id == batch_id))
        .first()
    )
    if row is None:
        raise NotFound(N_("找不到该批次"), code="batch_not_found")
    return row


async def batch_summary(
    services: Services, tenant: TenantInfo, staff: Principal, batch_id: uuid.UUID
) -> BatchSummary:
    row = await _batch(tenant, staff, batch_id)
    removed = await BatchRow.count().where(
        (BatchRow.batch == batch_id) & (BatchRow.removed == True)  # noqa: E712
    )
    accepted = await BatchRow.count().where(
        (BatchRow.batch == batch_id) & BatchRow.case.is_not_null()
    )
    installed = services.registry.items.get(row["item_code"])
    return BatchSummary(
        id=row["id"],
        item_code=row["item_code"],
        item_name=installed.spec.name if installed else row["item_code"],
        applicant_name=row["applicant_name"],
        status=row["status"],
        rows_total=row["rows_total"],
        rows_invalid=row["rows_invalid"],
        rows_flagged=row["rows_flagged"],
        rows_removed=removed,
        rows_accepted=accepted,
        params=row["params"],
        created_at=row["created_at"],
    )


#: Which rows a batch view lists.
ROW_FILTERS = ("all", "problems", "invalid", "flagged", "removed", "kept")


async def batch_rows(
    tenant: TenantInfo,
    staff: Principal,
    batch_id: uuid.UUID,
    *,
    show: str = "problems",
    page: int = 1,
    per_page: int = 100,
) -> tuple[list[RowOut], int]:
    """A page of the batch's rows (problem rows first by default) and how many match."""
    await _batch(tenant, staff, batch_id)
    if show not in ROW_FILTERS:
        raise InvalidInput(N_("未知的筛选条件“{show}”"), code="batch_filter", show=show)
    where: Any = BatchRow.batch == batch_id
    empty: list[Any] = []
    if show == "invalid":
        where &= BatchRow.errors != empty
    elif show == "flagged":
        where &= (BatchRow.flags != empty) & (BatchRow.errors == empty)
    elif show == "problems":
        where &= (BatchRow.flags != empty) | (BatchRow.errors != empty) | (BatchRow.removed == True)  # noqa: E712
    elif show == "removed":
        where &= BatchRow.removed == True  # noqa: E712
    elif show == "kept":
        where &= (BatchRow.removed == False) & (BatchRow.errors == empty)  # noqa: E712
    total = await BatchRow.count().where(where)
    rows = (
        await BatchRow.select(
            BatchRow.row_no,
            BatchRow.data,
            BatchRow.errors,
            BatchRow.flags,
            BatchRow.removed,
            BatchRow.case.serial_number,
        )
        .output(load_json=True)
        .where(where)
        .order_by(BatchRow.row_no)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    return [
        RowOut(
            row_no=r["row_no"],
            data=r["data"],
            errors=r["errors"],
            flags=r["flags"],
            removed=r["removed"],
            serial_number=r["case.serial_number"],
        )
        for r in rows
    ], total


class RowsRemoval(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    rows: list[int] = msgspec.field(default_factory=list)
    flagged: bool = False
    """Remove every row failing a check."""
    removed: bool = True
    """False puts the rows back."""


async def remove_rows(
    services: Services, tenant: TenantInfo, staff: Principal, batch_id: uuid.UUID, data: RowsRemoval
) -> BatchSummary:
    """Staff take rows out of the batch (or put them back) before accepting it."""
    batch = await _batch(tenant, staff, batch_id)
    if batch["status"] != "open":
        raise Conflict(N_("该批次已受理，不能再调整名单"), code="batch_accepted")
    if not data.rows and not data.flagged:
        raise InvalidInput(N_("请选择要移除的行"), code="batch_rows_required")
    where: Any = BatchRow.batch == batch_id
    if data.flagged:
        where &= BatchRow.flags != []
    else:
        where &= BatchRow.row_no.is_in(data.rows)
    await BatchRow.update({BatchRow.removed: data.removed}).where(where)
    await record(
        tenant.id,
        Actor(kind="staff", id=str(staff.id), name=staff.name),
        "batch_rows_removed" if data.removed else "batch_rows_restored",
        target=str(batch_id),
        detail={"rows": data.rows[:200], "flagged": data.flagged},
    )
    return await batch_summary(services, tenant, staff, batch_id)


class BatchAccept(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    opinion: str = ""


async def accept_batch(
    services: Services, tenant: TenantInfo, staff: Principal, batch_id: uuid.UUID, data: BatchAccept
) -> BatchSummary:
    """The batch's one decision: every good, kept row becomes its own accepted case
    (submit and accept events by this clerk, tasks for the next step, its fees)."""
    batch = await _batch(tenant, staff, batch_id)
    item = await services.catalog.tenant_item(tenant, batch["item_code"])
    spec = item.installed.spec
    field = spec.batch_rows
    flow, flow_version = await effective_flow(
        tenant, item.installed, batch["department"], services.registry
    )
    first = flow.steps[0]
    path = await org_unit_path(batch["department"])
    if not covers(await grants_of(staff.id, tenant), first.role, path, first.position):
        raise Forbidden(N_("您没有受理该批次的权限"), code="role_required")
    rows = (
        await BatchRow.select(BatchRow.id, BatchRow.row_no, BatchRow.data, BatchRow.sealed)
        .output(load_json=True)
        .where(
            (BatchRow.batch == batch_id)
            & (BatchRow.removed == False)  # noqa: E712
            & (BatchRow.errors == [])
            & BatchRow.case.is_null()
        )
        .order_by(BatchRow.row_no)
    )
    if not rows:
        raise Conflict(N_("该批次没有可受理的人员"), code="batch_nothing_to_accept")
    version_id = await services.catalog.freeze(item.installed)
    now = datetime.now(UTC)
    ctx = Context(
        flow=flow,
        calendar=await tenant_calendar(tenant.id),
        tz=ZoneInfo(tenant.time_zone),
        form={},
    )
    async with db.transaction():
        claimed = (
            await Batch.update(
                {Batch.status: "accepted", Batch.accepted_by: staff.id, Batch.accepted_at: now}
            )
            .where((Batch.id == batch_id) & (Batch.status == "open"))
            .returning(Batch.id)
        )
        if not claimed:
            raise Conflict(N_("该批次已受理"), code="batch_accepted")
        serials = await next_serial_numbers(tenant, now, len(rows))
        cases: list[Case] = []
        events: list[CaseEvent] = []
        links: list[tuple[uuid.UUID, uuid.UUID]] = []
        tasks: list[dict[str, Any]] = []
        for serial, row in zip(serials, rows, strict=True):
            person = restore({field: [row["data"]]}, open_sealed(row["sealed"], ROW_COLUMN))
            form = {**batch["shared"], field: person[field]}
            fees = await services.registry.adjust_fees(
                item.installed, form, assess_fees(spec, form)
            )
            case, case_events, case_tasks = _accepted_case(
                services,
                tenant,
                staff,
                batch,
                item,
                ctx,
                flow_version,
                version_id,
                serial,
                row["row_no"],
                form,
                fees,
                now,
                data.opinion.strip(),
            )
            cases.append(case)
            events.extend(case_events)
            tasks.extend(case_tasks)
            links.append((row["id"], case.id))
        # Whole-row inserts with their SQL text kept (govhall.statements.insert).
        for chunk in _chunks(cases, CHUNK // 4):
            await insert(*chunk)
        for chunk in _chunks(events):
            await insert(*chunk)
        from govhall.workflow.tables import Task

        for chunk in _chunks([new_row(Task, **t) for t in tasks]):
            await insert(*chunk)
        await _link_rows(links)
    await record(
        tenant.id,
        Actor(kind="staff", id=str(staff.id), name=staff.name),
        "batch_accepted",
        target=str(batch_id),
        detail={"cases": len(cases), "first": serials[0], "last": serials[-1]},
    )
    return await batch_summary(services, tenant, staff, batch_id)


def _accepted_case(
    services: Services,
    tenant: TenantInfo,
    staff: Principal,
    batch: dict[str, Any],
    item: TenantItem,
    ctx: Context,
    flow_version: int,
    version_id: uuid.UUID,
    serial: str,
    row_no: int,
    form: dict[str, Any],
    fees: list[FeeLine],
    now: datetime,
    opinion: str,
) -> tuple[Case, list[CaseEvent], list[dict[str, Any]]]:
    spec = item.installed.spec
    flow = ctx.flow
    masked, sealed = seal_form(spec.form, form)
    submit_data = {
        "materials": 0,
        "outstanding_materials": [],
        "statutory_days": spec.statutory_days,
        "promised_days": item.promised_days,
        "joint": False,
        "pre_handling": False,
        "via": {"agent": staff.name, "channel": "batch", "batch": str(batch["id"]), "row": row_no},
    }
    actor = {"actor_kind": "staff", "actor_id": str(staff.id), "actor_name": staff.name}
    submit = Event(seq=1, action="submit", at=now, role="applicant", data=submit_data, **actor)
    local = Context(flow=flow, calendar=ctx.calendar, tz=ctx.tz, form=masked)
    started = machine.start(local, submit)
    first = started.active[0]
    accept = Event(
        seq=2,
        action="accept",
        at=now,
        role=first.role,
        step=first.step,
        opinion=opinion,
        data={"batch": str(batch["id"])},
        **actor,
    )
    state = machine.apply(local, started, accept)
    case = new_row(
        Case,
        tenant=tenant.id,
        serial_number=serial,
        # The applicant follows these cases from their account; nobody holds a code.
        query_code_hash=hash_query_code(
            services.settings.secret_key, serial, new_query_code() + secrets.token_hex(4)
        ),
        item_code=spec.code,
        item_version=version_id,
        department=batch["department"],
        applicant=batch["applicant"],
        applicant_name=batch["applicant_name"],
        form=masked,
        form_sealed=sealed,
        fees=msgspec.to_builtins(fees),
        fee_total=total_fen(fees),
        flow=msgspec.to_builtins(flow),
        flow_version=flow_version,
        revision=2,
        submitted_at=now,
        entered_by=staff.id,
    )
    for column, value in case_columns(state).items():
        setattr(case, column._meta.name, value)
    events = [
        new_row(
            CaseEvent,
            tenant=tenant.id,
            case=case.id,
            seq=1,
            action="submit",
            actor_kind="staff",
            actor_id=staff.id,
            actor_name=staff.name,
            role="applicant",
            from_status="",
            to_status=started.status,
            step="",
            data=submit_data,
            created_at=now,
        ),
        new_row(
            CaseEvent,
            tenant=tenant.id,
            case=case.id,
            seq=2,
            action="accept",
            actor_kind="staff",
            actor_id=staff.id,
            actor_name=staff.name,
            role=first.role,
            from_status=started.status,
            to_status=state.status,
            step=first.step,
            opinion=opinion,
            data=accept.data,
            created_at=now,
        ),
    ]
    tasks = [
        {
            "tenant": tenant.id,
            "case": case.id,
            "step": first.step,
            "branch": first.branch,
            "position": first.position,
            "role": first.role,
            "org_unit": batch["department"],
            "status": "done",
            "completed_by": staff.id,
            "due_on": first.due_on,
            "created_at": now,
            "completed_at": now,
        }
    ]
    for active in state.active:
        tasks.append(
            {
                "tenant": tenant.id,
                "case": case.id,
                "step": active.step,
                "branch": active.branch,
                "position": active.position,
                "role": active.role,
                # A step another unit handles is opened by a single action; a batch
                # item's flow stays in its department.
                "org_unit": batch["department"],
                "status": "open",
                "assignee": uuid.UUID(active.assignee) if active.assignee else None,
                "due_on": active.due_on,
                "created_at": active.entered_at,
            }
        )
    return case, events, tasks


async def _link_rows(links: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """Each accepted row points at its case: one UPDATE per chunk with a CASE map
    (the same SQL on both engines; PostgreSQL is told the values are uuids)."""
    table = BatchRow._meta.tablename
    pg = db.is_postgres()
    cast = "::uuid" if pg else ""
    for chunk in _chunks(links):
        whens = " ".join(f"WHEN {{}}{cast} THEN {{}}{cast}" for _ in chunk)
        marks = ", ".join(f"{{}}{cast}" for _ in chunk)
        values: list[object] = []
        for row_id, case_id in chunk:
            values += [row_id, case_id] if pg else [str(row_id), str(case_id)]
        ids = [row_id if pg else str(row_id) for row_id, _ in chunk]
        await BatchRow.raw(
            f'UPDATE {table} SET "case" = CASE id {whens} END WHERE id IN ({marks})',  # noqa: S608
            *values,
            *ids,
        )


async def receipts_download(
    services: Services, tenant: TenantInfo, staff: Principal, batch_id: uuid.UUID, locale: str
) -> bytes:
    """The receipts list of an accepted batch (every person's line)."""
    batch = await _batch(tenant, staff, batch_id)
    spec = (await services.catalog.tenant_item(tenant, batch["item_code"])).installed.spec
    rows = (
        await BatchRow.select(
            BatchRow.row_no, BatchRow.data, BatchRow.case.serial_number, BatchRow.case.fee_total
        )
        .output(load_json=True)
        .where((BatchRow.batch == batch_id) & BatchRow.case.is_not_null())
        .order_by(BatchRow.row_no)
    )
    if not rows:
        raise Conflict(N_("该批次尚未受理"), code="batch_not_accepted")
    lines = [
        RowOut(
            row_no=r["row_no"],
            data=r["data"],
            errors=[],
            flags=[],
            removed=False,
            serial_number=r["case.serial_number"],
        )
        for r in rows
    ]
    fees = {r["case.serial_number"]: int(r["case.fee_total"] or 0) for r in rows}
    return receipts_xlsx(lines, spec, fees, locale)


def receipts_xlsx(
    rows: list[RowOut], spec: ItemSpec, fee_by_serial: dict[str, int], locale: str
) -> bytes:
    """Every person's receipt line: serial number, name, masked ID, fee."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("回执" if locale == "zh-CN" else "Receipts")
    _, row_schema, _ = rows_spec(spec)
    fields = list(row_schema["properties"])
    sheet.append(
        [
            "行号" if locale == "zh-CN" else "Row",
            "办件编号" if locale == "zh-CN" else "Serial number",
        ]
        + [_title(f, row_schema["properties"][f], locale) for f in fields]
        + ["应缴（元）" if locale == "zh-CN" else "Fee (yuan)"]
    )
    for r in rows:
        if r.serial_number:
            fee = fee_by_serial.get(r.serial_number, 0)
            sheet.append(
                [
                    r.row_no,
                    r.serial_number,
                    *[r.data.get(f, "") for f in fields],
                    f"{fee / 100:.2f}",
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
