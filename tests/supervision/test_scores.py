"""Performance scores (R-S7): counts from the period's signals, early completions,
promises and ratings; the weights; the formula; comparison; exports; refusals."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from govhall.cases.tables import Case
from govhall.supervision.tables import Signal
from govhall.workflow.tables import Task
from tests.conftest import Api
from tests.engagement.test_engagement import concluded_case
from tests.portal.test_apply import BASE, hidden
from tests.supervision.test_pages import _late_case
from tests.workbench.test_pages import staff_sign_in

WEIGHTS = {
    "base": 100,
    "warning": 1,
    "yellow": 3,
    "red": 5,
    "early": 0.5,
    "early_days": 3,
    "promise": 2,
    "promise_ratio": 0.5,
    "satisfaction": 4,
}


def _expected(row: dict, weights: dict) -> float:
    score = (
        weights["base"]
        - weights["warning"] * row["warnings"]
        - weights["yellow"] * row["yellows"]
        - weights["red"] * row["reds"]
        + weights["early"] * row["early"]
        + weights["promise"] * row["promise_items"]
    )
    if row["satisfaction"] is not None:
        score += weights["satisfaction"] * (row["satisfaction"] - 3)
    return round(score, 2)


async def test_scores_follow_the_signals_completions_and_ratings(api: Api, demo: None) -> None:
    supervisor = await api.staff("supervisor")
    english = {**supervisor, "Accept-Language": "en"}
    wrong = await api.client.put(
        api.t("/score-weights"), headers=english, json={**WEIGHTS, "red": -1, "promise_ratio": 2}
    )
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {"red", "promise_ratio"}
    saved = await api.client.put(api.t("/score-weights"), headers=supervisor, json=WEIGHTS)
    assert saved.status_code == 200
    shown = (await api.client.get(api.t("/score-weights"), headers=supervisor)).json()
    assert shown == WEIGHTS

    await _late_case(api)
    # A handling step long overdue: a step card (the acceptance step's deadline is the
    # acceptance clock's, carded once).
    clerk = await api.staff("clerk")
    handling = (await api.submit(await api.citizen("waiting")))["serial_number"]
    assert (await api.act(clerk, handling, "accept", "同意")).status_code == 200
    await Task.update({Task.due_on: date(2026, 1, 5)}).where(
        (Task.status == "open") & (Task.step == "handle")
    )
    citizen = await api.citizen("rater")
    early = await concluded_case(api, citizen)
    # Concluded today, its legal deadline weeks away: early.
    assert (await Case.select(Case.due_on).where(Case.serial_number == early))[0]["due_on"] > (
        datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=7)
    )
    rated = await api.client.post(
        api.t(f"/cases/{early}/rating"), headers=citizen, json={"level": 4}
    )
    assert rated.status_code == 201
    assert (await api.client.post(api.t("/signals/sweep"), headers=supervisor)).status_code == 200

    sheet = (await api.client.get(api.t("/scores"), headers=supervisor)).json()
    rows = {r["unit"]: r for r in sheet["rows"]}
    signals = await Signal.select(Signal.level, Signal.org_unit.code)
    for code, row in rows.items():
        mine = [s["level"] for s in signals if s["org_unit.code"] == code]
        assert (row["warnings"], row["yellows"], row["reds"]) == (
            mine.count("warning"),
            mine.count("yellow"),
            mine.count("red"),
        )
        assert row["score"] == _expected(row, WEIGHTS)
        assert row["formula"].endswith(f"= {row['score']:g}")
    department = rows["zrzyj"]
    assert department["reds"] >= 1 and department["early"] == 1
    assert department["satisfaction"] == 4.0 and department["ratings"] == 1
    # The demo item promises 10 of 20 statutory working days: a faster promise.
    assert department["promise_items"] == 1

    # Compared with last month (nothing then): the change is the score less the base
    # and last month's satisfaction-free, signal-free score.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    month_ago = today - timedelta(days=40)
    compared = (
        await api.client.get(
            api.t("/scores"),
            headers=supervisor,
            params={
                "compare_from": month_ago.isoformat(),
                "compare_to": (month_ago + timedelta(days=5)).isoformat(),
            },
        )
    ).json()
    zrzyj = next(r for r in compared["rows"] if r["unit"] == "zrzyj")
    assert zrzyj["compare_score"] == 100 and zrzyj["change"] == round(zrzyj["score"] - 100, 2)

    by_post = (
        await api.client.get(api.t("/scores"), headers=supervisor, params={"by": "position"})
    ).json()
    assert by_post["rows"] and all(r["early"] == 0 for r in by_post["rows"])
    step_signals = await Signal.count().where(Signal.task.is_not_null())
    assert sum(r["warnings"] + r["yellows"] + r["reds"] for r in by_post["rows"]) == step_signals

    xlsx = await api.client.get(
        api.t("/scores/export"), headers=supervisor, params={"format": "xlsx"}
    )
    sheet_rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert sheet_rows[0][0] == "部门" and len(sheet_rows) == len(rows) + 1

    for params, field in (
        ({"by": "colour"}, "by"),
        ({"compare_from": "2026-01-01"}, "compare_to"),
        ({"date_from": "2026-06-01", "date_to": "2026-05-01"}, "date_to"),
    ):
        bad = await api.client.get(api.t("/scores"), headers=english, params=params)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field
    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/scores"), headers=clerk)).status_code == 403


async def test_the_scores_page(api: Api, demo: None) -> None:
    await _late_case(api)
    supervisor = await api.staff("supervisor")
    await api.client.post(api.t("/signals/sweep"), headers=supervisor)
    await staff_sign_in(api, "supervisor")
    page = await api.client.get(f"{BASE}/work/supervision/scores/")
    assert page.status_code == 200 and 'data-unit="zrzyj"' in page.text and "= " in page.text
    wrong = await api.client.get(f"{BASE}/work/supervision/scores/?date_from=2026-02-30")
    assert wrong.status_code == 422 and 'id="err-date_from"' in wrong.text
    token = hidden(page.text, "_csrf_token")
    typed = {k: str(v) for k, v in WEIGHTS.items()} | {"red": "很多", "_csrf_token": token}
    refused = await api.client.post(f"{BASE}/work/supervision/scores/weights", data=typed)
    assert refused.status_code == 422 and 'value="很多"' in refused.text
    saved = await api.client.post(
        f"{BASE}/work/supervision/scores/weights", data=typed | {"red": "8"}
    )
    assert saved.status_code == 303
    page = await api.client.get(f"{BASE}/work/supervision/scores/")
    assert 'value="8.0"' in page.text
    csv = await api.client.get(f"{BASE}/work/supervision/scores/export?format=csv")
    assert csv.status_code == 200 and "计算公式".encode() in csv.content
