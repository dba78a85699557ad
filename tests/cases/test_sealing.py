"""Resident ID numbers typed into forms are kept masked, sealed, and opened only for
the case's handling roles, audited; key rotation covers them."""

from __future__ import annotations

import base64
import os

from govhall.audit.tables import AuditEntry
from govhall.cases.sealing import open_sealed, rotate_case_fields
from govhall.cases.tables import Case
from govhall.identity import fieldcrypt
from govhall.settings import Settings
from tests.cases.test_item_rules import _apply, _materials
from tests.conftest import ID_NUMBER, Api

FORM = {
    "operator_name": "张三",
    "id_number": ID_NUMBER,
    "phone": "13800138000",
    "organisation": "individual",
    "business_scope": "日用百货零售",
    "premises": "城关镇人民路8号",
    "capital_wan": 3,
    "employees": 1,
}
MASKED = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]


async def test_form_id_numbers_are_sealed_and_shown_to_handlers_only(
    api: Api, demo: None, settings: Settings
) -> None:
    headers = await api.citizen()
    materials = await _materials(api, headers, "application_form", "operator_identity")
    done = await _apply(
        api, headers, {"item_code": "SC-GTGS-0001", "form": FORM, "materials": materials}
    )
    assert done.status_code == 201, done.text
    serial = done.json()["serial_number"]
    case = await Case.objects().output(load_json=True).where(Case.serial_number == serial).first()
    assert case is not None
    assert case.form["id_number"] == MASKED
    assert ID_NUMBER not in str(case.form_sealed)
    assert open_sealed(case.form_sealed) == {"id_number": ID_NUMBER}  # type: ignore[arg-type]
    url = api.t(f"/cases/{serial}/applicant")
    handler = await api.staff("dept-handler")
    masked = (await api.client.get(url, headers=handler)).json()
    assert masked["form_id_numbers"] == {"id_number": MASKED}
    whole = await api.client.get(f"{url}?full=true", headers=handler)
    assert whole.json()["form_id_numbers"] == {"id_number": ID_NUMBER}
    supervisor = await api.staff("supervisor")
    refused = await api.client.get(f"{url}?full=true", headers=supervisor)
    assert refused.status_code == 403
    entry = await AuditEntry.objects().where(AuditEntry.action == "id_number_viewed").first()
    assert entry is not None and entry.target == serial
    # Rotation re-seals them with the new key.
    old = fieldcrypt.cipher()
    key = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    try:
        rotated = fieldcrypt.configure(
            Settings(secret_key=settings.secret_key, field_keys=f"k9:{key}")
        )
        rotated._keys["s0"] = old._keys["s0"]
        assert await rotate_case_fields() == 1
        assert await rotate_case_fields() == 0
        row = (
            await Case.objects().output(load_json=True).where(Case.serial_number == serial).first()
        )
        assert row is not None and row.form_sealed["id_number"].startswith("gh1.k9.")  # type: ignore[index]
        assert open_sealed(row.form_sealed) == {"id_number": ID_NUMBER}  # type: ignore[arg-type]
    finally:
        fieldcrypt._cipher = old
