"""Resident ID numbers typed into application forms are personal data like the
account's own: the case keeps them masked in ``form`` (what flows, timelines,
plugins' later hooks and staff screens see) and encrypted in ``form_sealed``,
opened only for a role handling the case, with an audit entry.
"""

from __future__ import annotations

from typing import Any

from govhall.identity import fieldcrypt, realname
from govhall.sdk.forms import FormSpec

SEALED_COLUMN = "cases_case.form_sealed"


def _is_id(spec: Any) -> bool:
    return isinstance(spec, dict) and spec.get("x-format") == "cn_resident_id"


def sensitive_fields(form: FormSpec) -> list[str]:
    """Top-level fields holding a resident ID number."""
    properties: dict[str, Any] = form.schema.get("properties", {})
    return [name for name, spec in properties.items() if _is_id(spec)]


def sensitive_row_fields(form: FormSpec) -> dict[str, list[str]]:
    """List fields whose rows hold resident ID numbers (a batch's persons), with
    the row fields that do."""
    out: dict[str, list[str]] = {}
    for name, spec in form.schema.get("properties", {}).items():
        row = spec.get("items", {}) if spec.get("type") == "array" else {}
        fields = [f for f, s in row.get("properties", {}).items() if _is_id(s)]
        if fields:
            out[name] = fields
    return out


def seal_form(
    form: FormSpec, data: dict[str, Any], column: str = SEALED_COLUMN
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the form with ID numbers masked, the sealed ID numbers by field path, e.g.
    ``id_number`` or ``workers.3.id_number``); ``column`` binds the ciphertexts to
    where they are stored (cases, portal drafts)."""
    masked = dict(data)
    sealed: dict[str, str] = {}
    cipher = fieldcrypt.cipher()
    for name in sensitive_fields(form):
        value = data.get(name)
        if isinstance(value, str) and value:
            sealed[name] = cipher.seal(value, f"{column}.{name}")
            masked[name] = realname.mask_id_number(value)
    for name, fields in sensitive_row_fields(form).items():
        rows = data.get(name)
        if not isinstance(rows, list):
            continue
        masked_rows = []
        for i, row in enumerate(rows):
            if isinstance(row, dict):
                row = dict(row)
                for field in fields:
                    value = row.get(field)
                    if isinstance(value, str) and value:
                        path = f"{name}.{i}.{field}"
                        sealed[path] = cipher.seal(value, f"{column}.{path}")
                        row[field] = realname.mask_id_number(value)
            masked_rows.append(row)
        masked[name] = masked_rows
    return masked, sealed


def open_sealed(sealed: dict[str, str], column: str = SEALED_COLUMN) -> dict[str, str]:
    cipher = fieldcrypt.cipher()
    return {name: cipher.open(value, f"{column}.{name}") for name, value in sealed.items()}


def restore(form: dict[str, Any], opened: dict[str, str]) -> dict[str, Any]:
    """``form`` with the opened ID numbers put back at their paths."""
    out = dict(form)
    for path, value in opened.items():
        name, _, rest = path.partition(".")
        if not rest:
            out[name] = value
            continue
        index, _, field = rest.partition(".")
        rows = out.get(name)
        if isinstance(rows, list) and index.isdigit() and int(index) < len(rows):
            rows = out[name] = [dict(r) if isinstance(r, dict) else r for r in rows]
            if isinstance(rows[int(index)], dict):
                rows[int(index)][field] = value
    return out


async def rotate_case_fields(batch: int = 500) -> int:
    """Re-encrypt form ID numbers not sealed with the current key; returns how many
    cases were rewritten. Safe to re-run (``govhall keys rotate`` calls it)."""
    from govhall.cases.tables import Case

    cipher = fieldcrypt.cipher()
    changed = 0
    last = ""
    while True:
        rows = (
            await Case.select(Case.id, Case.serial_number, Case.form_sealed)
            .output(load_json=True)
            .where(Case.serial_number > last)
            .order_by(Case.serial_number)
            .limit(batch)
        )
        if not rows:
            return changed
        for row in rows:
            last = row["serial_number"]
            sealed: dict[str, str] = row["form_sealed"] or {}
            if not any(cipher.needs_rotation(v) for v in sealed.values()):
                continue
            fresh = {
                name: cipher.seal(value, f"{SEALED_COLUMN}.{name}")
                for name, value in open_sealed(sealed).items()
            }
            await Case.update({Case.form_sealed: fresh}).where(Case.id == row["id"])
            changed += 1
