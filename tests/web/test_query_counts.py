"""Hot-path hygiene: how many database statements the main pages and API calls
issue, counted at the engine. Two guards: a count must not grow with the number of
rows shown (an N+1 query fails here), and must stay within its budget (raise a
budget only when a new feature really needs one more statement, and say why)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from govhall import db
from tests.conftest import BACKEND, Api
from tests.portal.test_apply import BASE
from tests.workbench.test_pages import staff_sign_in

#: The tenant row each request starts with: read every time on the embedded default,
#: kept between requests on PostgreSQL (``govhall.tenancy.directory``, dropped on
#: PostgreSQL's notification of a change).
TENANT_ROW = 0 if BACKEND == "postgres" else 1

#: Statements per request, the tenant row included where it is read.
BUDGETS = {
    # The case with its public timeline as one JSON column.
    "progress": TENANT_ROW + 1,
    # The items come from the process's cache (catalog_version).
    "catalogue": TENANT_ROW,
    # The count and the page: the staff member's grants come from the process's
    # cache (catalog_version, raised by grant and role changes).
    "worklist_api": TENANT_ROW + 2,
    "case_search": TENANT_ROW + 2,
    "portal_home": TENANT_ROW + 1,
    "worklist_page": TENANT_ROW + 3,
    # The case screen: the case, its events, materials, documents, fees, signals,
    # tickets, terminations, comments and the flow.
    "case_screen": TENANT_ROW + 23,
    # Account, blobs, serial counter; the case, its materials, event and first task as
    # one statement (the embedded default: one hop to SQLite's thread); the
    # applicant's channels (the inbox message is a job: on the embedded default it
    # runs in process and is not counted here). The flow comes from the process's
    # cache (catalog_version); a number an earlier format made is refused by the
    # unique index (no probe first).
    "submission": TENANT_ROW + 5,
}


@contextmanager
def counted() -> Iterator[list[tuple[str, list[Any]]]]:
    """Every statement the engine runs while inside, compiled for the engine: the
    SQL text and its parameters."""
    # The engine class uses slots: the method is wrapped on the class, for the
    # duration only.
    engine: Any = db.get_engine()
    engine_class: Any = type(engine)
    seen: list[tuple[str, list[Any]]] = []
    original = engine_class.run_querystring

    async def run(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        sql, values = querystring.compile_string(engine_type=engine.engine_type)
        seen.append((sql, list(values)))
        return await original(self, querystring, *args, **kwargs)

    engine_class.run_querystring = run
    # The embedded engine's statements sent in one hop count as one.
    together = getattr(engine_class, "run_in_transaction", None)

    async def run_together(self: Any, statements: Any) -> Any:
        seen.append(
            ("; ".join(sql for sql, _ in statements), [v for _, a in statements for v in a])
        )
        return await together(self, statements)  # type: ignore[misc]

    if together is not None:
        engine_class.run_in_transaction = run_together
    try:
        yield seen
    finally:
        engine_class.run_querystring = original
        if together is not None:
            engine_class.run_in_transaction = together


async def _count(api: Api, call: Callable[[], Awaitable[Any]]) -> int:
    await api.settle()
    await call()  # warm: caches filled, session resolved
    with counted() as seen:
        response = await call()
    assert response.status_code == 200, response.text[:300]
    return len(seen)


async def _count_submission(api: Api, citizen: dict[str, str]) -> int:
    body = await api.application(citizen)
    await api.settle()
    with counted() as seen:
        response = await api.client.post(api.t("/applications"), headers=citizen, json=body)
    assert response.status_code == 201, response.text[:300]
    # In-process jobs (the embedded default) run on the same engine: not the request's.
    return sum(1 for sql, _ in seen if "notify_inbox_message" not in sql)


async def _measure(api: Api, citizen: dict[str, str], receipt: dict[str, Any]) -> dict[str, int]:
    clerk = await api.staff("clerk")
    serial = receipt["serial_number"]
    counts = {
        "progress": await _count(
            api,
            lambda: api.client.get(
                api.t("/progress"),
                params={"serial_number": serial, "query_code": receipt["query_code"]},
            ),
        ),
        "catalogue": await _count(api, lambda: api.client.get(api.t("/items"))),
        "worklist_api": await _count(
            api, lambda: api.client.get(api.t("/worklist"), headers=clerk)
        ),
        "case_search": await _count(api, lambda: api.client.get(api.t("/cases"), headers=clerk)),
        "portal_home": await _count(api, lambda: api.client.get(f"{BASE}/")),
    }
    counts["submission"] = await _count_submission(api, citizen)
    await staff_sign_in(api, "clerk")
    counts["worklist_page"] = await _count(api, lambda: api.client.get(f"{BASE}/work/"))
    counts["case_screen"] = await _count(api, lambda: api.client.get(f"{BASE}/work/cases/{serial}"))
    return counts


async def test_statements_per_request_do_not_grow_with_rows(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    receipt = await api.submit(citizen)
    few = await _measure(api, citizen, receipt)
    for _ in range(6):
        await api.submit(citizen)
    many = await _measure(api, citizen, receipt)
    grew = {name: (few[name], many[name]) for name in few if many[name] > few[name]}
    assert not grew, f"statements grew with the rows shown (N+1): {grew}"
    over = {name: (many[name], BUDGETS[name]) for name in many if many[name] > BUDGETS[name]}
    assert not over, f"over budget (count, budget): {over}; all counts: {many}"
