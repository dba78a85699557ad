"""What supervisors see: the signals API within their units, the thresholds, the
supervisor's screen, and the cards on the work list and the case screen."""

from __future__ import annotations

from datetime import date

from govhall.cases.tables import Case
from govhall.supervision.tables import Signal
from govhall.workflow.tables import Task
from tests.conftest import Api
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in


async def _late_case(api: Api) -> str:
    serial = (await api.submit(await api.citizen()))["serial_number"]
    # Long overdue at acceptance, in the tenant's real today: a red card now.
    await Case.update({Case.acceptance_due: date(2026, 1, 5)}).where(Case.serial_number == serial)
    await Task.update({Task.due_on: date(2026, 1, 5)}, force=True)
    return serial


async def test_supervisors_see_and_sweep_the_signals(api: Api, demo: None) -> None:
    serial = await _late_case(api)
    supervisor = await api.staff("supervisor")
    swept = await api.client.post(api.t("/signals/sweep"), headers=supervisor)
    assert swept.status_code == 200 and swept.json()["raised"] >= 3, swept.text
    listed = await api.client.get(api.t("/signals"), headers=supervisor)
    assert listed.status_code == 200
    body = listed.json()
    assert body["counts"]["red"] >= 1 and body["total"] == sum(body["counts"].values())
    mine = [s for s in body["items"] if s["serial_number"] == serial]
    assert {(s["subject"], s["level"]) for s in mine} >= {("acceptance", "red")}
    reds = await api.client.get(
        api.t("/signals"), headers={**supervisor, "Accept-Language": "en"}, params={"level": "red"}
    )
    assert {s["level_label"] for s in reds.json()["items"]} == {"red card"}
    bad = await api.client.get(api.t("/signals"), headers=supervisor, params={"level": "purple"})
    assert bad.status_code == 422 and "level" in bad.json()["detail"]
    # A clerk is not a supervisor; another tenant's supervisor sees nothing here.
    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/signals"), headers=clerk)).status_code == 403
    city = await api.client.get("/t/demo-city/api/v1/signals", headers=supervisor)
    assert city.status_code == 403


async def test_thresholds_are_checked_and_change_the_sweep(api: Api, demo: None) -> None:
    supervisor = await api.staff("supervisor")
    shown = await api.client.get(api.t("/supervision-settings"), headers=supervisor)
    assert shown.json() == {
        "warning_days": 2,
        "yellow_days": 1,
        "red_days": 2,
        "rectification_days": 5,
        "complaint_days": 10,
        "default": True,
    }
    wrong = await api.client.put(
        api.t("/supervision-settings"),
        headers={**supervisor, "Accept-Language": "en"},
        json={"warning_days": 3, "yellow_days": 4, "red_days": 4},
    )
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["red_days"]
    saved = await api.client.put(
        api.t("/supervision-settings"),
        headers=supervisor,
        json={"warning_days": 3, "yellow_days": 2, "red_days": 5},
    )
    assert saved.status_code == 200 and saved.json()["default"] is False
    assert (await api.client.get(api.t("/supervision-settings"), headers=supervisor)).json()[
        "red_days"
    ] == 5


async def test_the_supervisors_screen_and_the_cards_on_work_pages(api: Api, demo: None) -> None:
    serial = await _late_case(api)
    await staff_sign_in(api, "supervisor")
    page = await api.client.get(f"{BASE}/work/supervision/")
    assert page.status_code == 200 and 'id="signal-counts"' in page.text
    token = hidden(page.text, "_csrf_token")
    swept = await api.client.post(f"{BASE}/work/supervision/sweep", data={"_csrf_token": token})
    assert swept.status_code == 303
    page = await api.client.get(swept.headers["location"])
    assert 'id="swept"' in page.text and f'data-signal="{serial}-red"' in page.text
    refused = await api.client.post(
        f"{BASE}/work/supervision/thresholds",
        data={"_csrf_token": token, "warning_days": "两天", "yellow_days": "1", "red_days": "2"},
    )
    assert refused.status_code == 422 and 'value="两天"' in refused.text
    assert await Signal.count() >= 3
    # The clerk's work list and the case screen show the card.
    await staff_sign_in(api, "clerk")
    todo = await api.client.get(f"{BASE}/work/")
    assert "card-red" in todo.text
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert 'id="cards"' in screen.text and "受理时限" in screen.text
    # Not a supervisor: the screen is refused.
    assert (await api.client.get(f"{BASE}/work/supervision/")).status_code == 403
