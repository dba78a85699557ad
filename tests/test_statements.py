"""Prepared statements (govhall.statements): compiled once per engine, each run with
its own values, on the engine's pool or the caller's transaction."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from govhall import db
from govhall.statements import insert, inserts_together, statement
from govhall.tenancy.tables import OrgUnit, Tenant

BY_SLUG = statement(
    lambda slug: Tenant.objects().output(load_json=True).where(Tenant.slug == slug).first()
)
NAMES_IN = statement(
    lambda level, *slugs: (
        Tenant.select(Tenant.slug, Tenant.name, Tenant.branding)
        .output(load_json=True)
        .where((Tenant.level == level) & Tenant.slug.is_in(list(slugs)))
        .order_by(Tenant.slug)
    ),
    3,
)
COUNT_AT = statement(lambda level: Tenant.count().where(Tenant.level == level))


async def _county(slug: str, **more: Any) -> None:
    await Tenant(slug=slug, name=f"{slug}县", level="county", division_code="110101", **more).save()


async def test_first_row_as_a_table_instance_with_its_json_decoded() -> None:
    await _county("alpha", branding={"portal_name": "甲县网上办事大厅"})
    found = await BY_SLUG.run("alpha")
    assert isinstance(found, Tenant)
    assert (found.slug, found.level, found.name) == ("alpha", "county", "alpha县")
    assert found.branding == {"portal_name": "甲县网上办事大厅"}
    assert await BY_SLUG.run("nowhere") is None


async def test_rows_and_counts_follow_each_runs_values() -> None:
    for slug in ("alpha", "beta", "gamma"):
        await _county(slug)
    rows = await NAMES_IN.run("county", "gamma", "alpha")
    assert [(r["slug"], r["name"], r["branding"]) for r in rows] == [
        ("alpha", "alpha县", {}),
        ("gamma", "gamma县", {}),
    ]
    assert await NAMES_IN.run("city", "alpha", "beta") == []
    assert await COUNT_AT.run("county") == 3
    assert await COUNT_AT.run("province") == 0


async def test_concurrent_runs_each_get_their_own_rows() -> None:
    slugs = [f"county-{n}" for n in range(12)]
    for slug in slugs:
        await _county(slug)
    found = await asyncio.gather(*(BY_SLUG.run(slug) for slug in slugs))
    assert [tenant.slug for tenant in found] == slugs


async def test_runs_inside_the_callers_transaction() -> None:
    async with db.transaction():
        await _county("uncommitted")
        # The statement runs on the transaction's connection: it sees the new row.
        assert (await BY_SLUG.run("uncommitted")) is not None


async def test_a_value_used_in_python_instead_of_sql_is_refused() -> None:
    pattern = statement(lambda slug: Tenant.select().where(Tenant.slug.like(f"{slug}%")))
    with pytest.raises(TypeError, match="must be a parameter"):
        await pattern.run("al")
    with pytest.raises(TypeError, match="takes 1 values, not 2"):
        await BY_SLUG.run("a", "b")


#: Plain selects whose rows govhall.statements turns into dicts itself, each shape of
#: JSON output Piccolo knows: all columns, none decoded, an alias, a column reached
#: through a foreign key, a JSON path with an alias.
PLAIN_SELECTS = {
    "every column": lambda slug: Tenant.select().output(load_json=True).where(Tenant.slug == slug),
    "JSON left as text": lambda slug: Tenant.select(Tenant.slug, Tenant.branding).where(
        Tenant.slug == slug
    ),
    "an alias": lambda slug: (
        Tenant.select(Tenant.slug, Tenant.branding.as_alias("look"))
        .output(load_json=True)
        .where(Tenant.slug == slug)
    ),
    "through a foreign key": lambda slug: (
        OrgUnit.select(OrgUnit.code, OrgUnit.tenant.branding, OrgUnit.tenant.slug)
        .output(load_json=True)
        .where(OrgUnit.tenant.slug == slug)
        .order_by(OrgUnit.code)
    ),
    "a JSON path": lambda slug: (
        Tenant.select(Tenant.slug, Tenant.branding.arrow("colours").as_alias("colours"))
        .output(load_json=True)
        .where(Tenant.slug == slug)
    ),
}


@pytest.mark.parametrize("shape", list(PLAIN_SELECTS))
async def test_plain_select_rows_are_the_rows_piccolo_gives(shape: str) -> None:
    await _county("alpha", branding={"portal_name": "甲县", "colours": {"main": "#b00"}})
    tenant = await Tenant.objects().where(Tenant.slug == "alpha").first()
    assert tenant is not None
    for code in ("b-office", "a-office"):
        await OrgUnit(
            tenant=tenant.id, kind="department", code=code, name=code, path=f"/{code}/"
        ).save()
    build = PLAIN_SELECTS[shape]
    prepared = statement(build)
    assert await prepared.run("alpha") == await build("alpha")
    assert await prepared.run("nowhere") == []
    # …and they did not come through Piccolo's own result processing.
    assert [entry.json_names is not None for entry in prepared._compiled.values()] == [True]


async def test_insert_writes_whole_rows_as_piccolo_would() -> None:
    rows = [
        Tenant(
            slug=f"batch-{n}",
            name=f"批量{n}县",
            level="county",
            division_code="110101",
            branding={"portal_name": f"第{n}县"},
        )
        for n in range(3)
    ]
    await insert(*rows)
    assert all(row._exists_in_db for row in rows)
    stored = await NAMES_IN.run("county", "batch-0", "batch-2")
    assert [(r["slug"], r["branding"]) for r in stored] == [
        ("batch-0", {"portal_name": "第0县"}),
        ("batch-2", {"portal_name": "第2县"}),
    ]
    # Defaults made in Python (the id, created_at, the status) are each row's own.
    again = await Tenant.select(Tenant.id, Tenant.status, Tenant.created_at).where(
        Tenant.slug.like("batch-%")
    )
    assert len({r["id"] for r in again}) == 3
    assert {r["status"] for r in again} == {"active"}
    assert all(r["created_at"] is not None for r in again)
    # A second batch of another size compiles its own text; a JSON column's value is
    # still written as JSON (a list here).
    await insert(
        Tenant(
            slug="single", name="单县", level="county", division_code="110101", branding=["甲", 2]
        )
    )
    assert await COUNT_AT.run("county") == 4
    assert (await BY_SLUG.run("single")).branding == ["甲", 2]


async def test_insert_refuses_what_it_cannot_write_faithfully() -> None:
    nameless = Tenant(slug="x", name="x", level="county", division_code="110101")
    nameless.id = None
    with pytest.raises(TypeError, match="primary key"):
        await insert(nameless)
    with pytest.raises(TypeError, match="one table"):
        await insert(
            Tenant(slug="y", name="y", level="county", division_code="110101"),
            OrgUnit(tenant=uuid.uuid4(), code="z", name="z"),
        )
    assert await COUNT_AT.run("county") == 0


async def test_insert_can_leave_out_rows_that_break_a_unique_constraint() -> None:
    await _county("twice")
    again = Tenant(slug="twice", name="重复县", level="county", division_code="110101")
    fresh = Tenant(slug="fresh", name="新县", level="county", division_code="110101")
    await insert(again, fresh, skip_conflicts=True)
    assert (await BY_SLUG.run("twice")).name == "twice县"
    assert await COUNT_AT.run("county") == 2
    with pytest.raises(Exception, match=r"(?i)unique"):
        await insert(Tenant(slug="fresh", name="x", level="county", division_code="110101"))


def test_new_row_is_the_row_piccolo_would_make() -> None:
    from govhall.statements import new_row
    from govhall.workflow.tables import Task

    values = {"tenant": uuid.uuid4(), "case": uuid.uuid4(), "step": "review", "role": "handler"}
    ours, theirs = new_row(Task, org_unit=None, **values), Task(org_unit=None, **values)
    columns = [c._meta.name for c in Task._meta.columns if c._meta.name not in ("id", "created_at")]
    assert {c: ours[c] for c in columns} == {c: theirs[c] for c in columns}
    assert ours.assignee is None and ours.completed_by is None
    # A required foreign key left out still fails as Piccolo fails it.
    with pytest.raises(ValueError, match="tenant"):
        new_row(Task, case=uuid.uuid4(), step="review", role="handler", org_unit=None)


async def test_inserts_together_go_as_one_statement_parents_first() -> None:
    from tests.web.test_query_counts import counted

    tenant = Tenant(slug="together", name="合县", level="county", division_code="110101")
    units = [OrgUnit(tenant=tenant.id, code=f"u{n}", name=f"单位{n}") for n in range(2)]
    with counted() as seen:
        async with db.transaction(), inserts_together():
            await insert(tenant)
            # A child row's foreign key is checked once its parent is in.
            await insert(*units)
            assert not units[0]._exists_in_db
    # One statement on PostgreSQL; one hop to SQLite's thread on the embedded engine.
    inserts = [sql for sql, _ in seen if "INSERT" in sql]
    assert len(inserts) == 1
    assert tenant._exists_in_db and all(unit._exists_in_db for unit in units)
    stored = await OrgUnit.select(OrgUnit.code).where(OrgUnit.tenant == tenant.id)
    assert sorted(row["code"] for row in stored) == ["u0", "u1"]


async def test_a_statement_inside_the_block_sees_the_rows_held_back() -> None:
    async with db.transaction(), inserts_together():
        await _county("held")
        await insert(Tenant(slug="later", name="后县", level="county", division_code="110101"))
        # Sent before this read: it counts both.
        assert await COUNT_AT.run("county") == 2


async def test_inserts_held_back_are_dropped_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction(), inserts_together():
            await insert(Tenant(slug="lost", name="失县", level="county", division_code="110101"))
            raise RuntimeError("the caller's own failure")
    assert await COUNT_AT.run("county") == 0
    # A failing part fails the whole statement: nothing of it is written.
    await _county("taken")
    with pytest.raises(Exception, match=r"(?i)unique"):
        async with db.transaction(), inserts_together():
            await insert(Tenant(slug="new", name="新县", level="county", division_code="110101"))
            await insert(Tenant(slug="taken", name="重县", level="county", division_code="110101"))
    assert await BY_SLUG.run("new") is None
