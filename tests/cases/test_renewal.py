"""§50 (行政许可法第五十条): a licence records its validity; its renewal is asked from
30 days before expiry (not earlier, not after); undecided at expiry, it counts as
renewed (视为准予延续) from the next day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from govhall.cases.certificates import valid_until
from govhall.cases.tables import Case, Certificate
from govhall.sdk.check import check_item
from govhall_health.plugin import PUBLIC_PLACE_LICENCE, PUBLIC_PLACE_RENEWAL
from tests.conftest import Api

SH = ZoneInfo("Asia/Shanghai")


def test_validity_runs_to_the_day_before_the_anniversary() -> None:
    assert valid_until(date(2026, 12, 8), 4) == date(2030, 12, 7)
    assert valid_until(date(2028, 2, 29), 1) == date(2029, 2, 27)
    assert valid_until(date(2026, 12, 8), 0) is None


def test_a_renewal_item_names_what_it_renews() -> None:
    assert check_item(PUBLIC_PLACE_RENEWAL) == []
    import msgspec

    broken = msgspec.structs.replace(PUBLIC_PLACE_RENEWAL, renews="")
    assert any("renews" in p for p in check_item(broken))
    assert PUBLIC_PLACE_LICENCE.result_valid_years == 4


async def _application(api: Api, headers: dict[str, str], code: str) -> dict[str, object]:
    from tests.conftest import PNG_BYTES

    spec = PUBLIC_PLACE_LICENCE
    form = {
        **next(e for e in spec.form.examples if e.valid).data,
        "central_air_conditioning": False,
    }
    materials = []
    for m in spec.materials:
        if m.required and m.source == "applicant" and not m.supplementable:
            blob = (await api.upload(headers, PNG_BYTES, f"{m.code}.png"))["blob_id"]
            materials.append({"material_code": m.code, "blob_id": blob})
    return {"item_code": code, "form": form, "materials": materials}


async def _set_expiry(number: str, day: date) -> None:
    await Certificate.update({Certificate.valid_until: day}).where(Certificate.number == number)


async def test_renewal_window_and_deemed_renewal(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    renewal = await _application(api, citizen, PUBLIC_PLACE_RENEWAL.code)
    none = await api.client.post(api.t("/applications"), headers=citizen, json=renewal)
    assert none.status_code == 409 and none.json()["code"] == "nothing_to_renew", none.text
    # The licence, applied for and granted: valid for four years from today.
    first = await api.client.post(
        api.t("/applications"),
        headers=citizen,
        json=await _application(api, citizen, PUBLIC_PLACE_LICENCE.code),
    )
    assert first.status_code == 201, first.text
    number = first.json()["serial_number"]
    for who, action in (
        ("clerk", "accept"),
        ("dept-handler", "pass"),
        ("dept-approver", "approve"),
        ("dept-handler", "conclude"),
    ):
        done = await api.act(await api.staff(who), number, action, "同意")
        assert done.status_code == 200, (who, done.text)
    today = datetime.now(SH).date()
    licence = await Certificate.objects().where(Certificate.number == number).first()
    assert licence is not None and licence.valid_until == valid_until(today, 4)
    # Years later, 40 days before expiry: too early.
    await _set_expiry(number, today + timedelta(days=40))
    early = await api.client.post(api.t("/applications"), headers=citizen, json=renewal)
    assert early.status_code == 409 and early.json()["code"] == "renewal_not_open"
    assert (today + timedelta(days=10)).isoformat() in early.json()["detail"]
    # 3 days before expiry: in the window.
    await _set_expiry(number, today + timedelta(days=3))
    filed = await api.client.post(api.t("/applications"), headers=citizen, json=renewal)
    assert filed.status_code == 201, filed.text
    receipt = filed.json()
    query = {"serial_number": receipt["serial_number"], "query_code": receipt["query_code"]}
    progress = (await api.client.get(api.t("/progress"), params=query)).json()
    assert progress["renewal_expires_on"] == (today + timedelta(days=3)).isoformat()
    assert progress["deemed_renewal_from"] is None
    # Replayed as if the licence had expired two days ago with no decision.
    case = (
        await Case.objects()
        .output(load_json=True)
        .where(Case.serial_number == receipt["serial_number"])
        .first()
    )
    assert case is not None
    state = dict(case.state)  # type: ignore[arg-type]
    expired = (today - timedelta(days=2)).isoformat()
    state["clock"] = {**state["clock"], "renewal_expires_on": expired}
    await Case.update({Case.state: state}).where(Case.id == case.id)
    shown = (await api.client.get(api.t("/progress"), params=query)).json()
    assert shown["deemed_renewal_from"] == (today - timedelta(days=1)).isoformat()
    # After expiry a renewal can no longer be asked: apply anew.
    await _set_expiry(number, today - timedelta(days=1))
    late = await api.client.post(api.t("/applications"), headers=citizen, json=renewal)
    assert late.status_code == 409 and late.json()["code"] == "nothing_to_renew"
