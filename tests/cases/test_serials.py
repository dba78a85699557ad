"""Per-tenant 办件编号 formats: what a format may say, when its running number starts
again, and that changing the format never hands out a number twice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from govhall.cases.serials import DEFAULT_FORMAT, parse_format
from govhall.cases.services import next_serial_numbers
from govhall.cases.tables import Case
from govhall.errors import InvalidInput
from govhall.i18n import translate
from govhall.tenancy.services import resolve_tenant
from govhall.tenancy.tables import Tenant
from tests.conftest import Api

DAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "period", "number"),
    [
        ("", "day", "99010020261130000042"),
        (DEFAULT_FORMAT, "day", "99010020261130000042"),
        ("XK{division}{yy}{mm}{seq:5}", "month", "XK9901002611" + "00042"),
        ("{division}-{yyyy}-{seq:8}", "year", "990100-2026-00000042"),
        ("{division}{seq:6}", "all", "990100000042"),
    ],
)
def test_a_format_renders_and_restarts_with_its_finest_date_part(
    text: str, period: str, number: str
) -> None:
    fmt = parse_format(text)
    assert fmt.period == period
    assert fmt.render("990100", DAY, 42) == number
    # The default keeps the counter key it always had (the day), others add a digest.
    assert (fmt.counter_key(DAY) == "20261130") == fmt.is_default


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{division}{yyyy}{mm}{dd}", "须有且只有一个流水号"),
        ("{yyyy}{seq:6}", "行政区划代码"),
        ("{division}{seq:2}", "3 到 10 位"),
        ("{division}{hh}{seq:6}", "不认识的占位符 {hh}"),
        ("审批{division}{seq:6}", "字母、数字和连字符"),
        ("{division}{dd}{seq:6}", "写了日就要写月"),
        ("{division}{yyyy}{yy}{seq:6}", "年份只能写一次"),
        ("{division}{yyyy}{seq:6}{seq:4}", "须有且只有一个流水号"),
        ("ABCDEFGHIJKLMNOP{division}{yyyy}{mm}{dd}{seq:6}", "超过了 32 位"),
        ("{division}{seq:6}}", "花括号只能用于占位符"),
    ],
)
def test_a_bad_format_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_format(text)
    [error] = refused.value.errors
    assert error.field == "serial_format"
    assert reason in translate(error.message, "zh-CN", **error.params)
    assert translate(error.message, "en", **error.params) != error.message  # translated


async def test_changing_the_format_never_repeats_a_number(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    first = (await api.submit(citizen))["serial_number"]
    assert first.startswith("990101") and len(first) == 20  # the default
    county = await Tenant.select(Tenant.id).where(Tenant.slug == "demo-county").first()
    assert county is not None
    # A format whose numbers look like the default's: its first numbers on this
    # day would be 990101202611 + 00000001…, and one of them may already exist.
    colliding = "{division}{yyyy}{mm}{seq:8}"
    await Tenant.update({Tenant.serial_format: colliding}).where(Tenant.id == county["id"])
    tenant = await resolve_tenant("demo-county")
    now = datetime.now(UTC)
    local = parse_format(colliding)
    # Make the next number this format would give an existing case's.
    probe = local.render(tenant.division_code, now.astimezone(ZoneInfo(tenant.time_zone)).date(), 1)
    await Case.update({Case.serial_number: probe}).where(Case.serial_number == first)
    made = await next_serial_numbers(tenant, now, 3)
    assert probe not in made and len(set(made)) == 3
    second = (await api.submit(citizen))["serial_number"]
    assert second not in made and second != probe
    # Back to the default: its own count goes on from where it stopped.
    await Tenant.update({Tenant.serial_format: ""}).where(Tenant.id == county["id"])
    third = (await api.submit(citizen))["serial_number"]
    assert third[-6:] == "000002" and third[:14] == first[:14]
    serials = [r["serial_number"] for r in await Case.select(Case.serial_number)]
    assert len(serials) == len(set(serials)) == 3


async def test_a_submission_meeting_a_number_already_made_takes_the_next(
    api: Api, demo: None
) -> None:
    citizen = await api.citizen()
    first = (await api.submit(citizen))["serial_number"]
    county = await Tenant.select(Tenant.id).where(Tenant.slug == "demo-county").first()
    assert county is not None
    colliding = "{division}{yyyy}{mm}{seq:8}"
    await Tenant.update({Tenant.serial_format: colliding}).where(Tenant.id == county["id"])
    tenant = await resolve_tenant("demo-county")
    local = parse_format(colliding)
    day = datetime.now(UTC).astimezone(ZoneInfo(tenant.time_zone)).date()
    # The new format's first two numbers are already cases' (made by an earlier one).
    await Case.update({Case.serial_number: local.render(tenant.division_code, day, 1)}).where(
        Case.serial_number == first
    )
    second = await api.submit(citizen)
    await Case.update({Case.serial_number: local.render(tenant.division_code, day, 3)}).where(
        Case.serial_number == second["serial_number"]
    )
    assert second["serial_number"] == local.render(tenant.division_code, day, 2)
    third = await api.submit(citizen)
    # 3 was taken: the submission went on to 4, and its case is whole.
    assert third["serial_number"] == local.render(tenant.division_code, day, 4)
    progress = await api.client.get(
        api.t("/progress"),
        params={"serial_number": third["serial_number"], "query_code": third["query_code"]},
    )
    assert progress.status_code == 200, progress.text
    assert [entry["action"] for entry in progress.json()["timeline"]] == ["submit"]
    serials = [r["serial_number"] for r in await Case.select(Case.serial_number)]
    assert len(serials) == len(set(serials)) == 3
