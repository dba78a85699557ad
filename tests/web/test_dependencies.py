"""Request dependencies resolved one after another (govhall.web.deps): the same
values, the same order constraints and the same clean-up as Litestar's own."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator

from litestar import Litestar, get
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.di import NamedDependency, Provide
from litestar.testing import AsyncTestClient

from govhall.web import deps


def test_replaces_a_method_litestar_still_has() -> None:
    deps.resolve_dependencies_in_turn()
    assert KwargsModel.resolve_dependencies is deps._resolve_in_turn
    ours = list(inspect.signature(deps._resolve_in_turn).parameters)
    theirs = list(inspect.signature(deps.LITESTAR_RESOLVE).parameters)
    assert ours == theirs == ["self", "connection", "kwargs"]


async def test_layered_dependencies_and_their_clean_up() -> None:
    deps.resolve_dependencies_in_turn()
    closed: list[str] = []

    def language() -> str:
        return "zh-CN"

    async def county() -> str:
        return "demo-county"

    async def session(county: NamedDependency[str]) -> AsyncIterator[str]:
        yield f"session of {county}"
        closed.append(county)

    async def greeting(
        language: NamedDependency[str],
        county: NamedDependency[str],
        session: NamedDependency[str],
    ) -> str:
        return f"{language}/{county}/{session}"

    @get("/")
    async def handler(
        greeting: NamedDependency[str], session: NamedDependency[str]
    ) -> dict[str, str]:
        return {"greeting": greeting, "session": session}

    app = Litestar(
        [handler],
        dependencies={
            "language": Provide(language, sync_to_thread=False),
            "county": Provide(county),
            "session": Provide(session),
            "greeting": Provide(greeting),
        },
    )
    async with AsyncTestClient(app) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert response.json() == {
        "greeting": "zh-CN/demo-county/session of demo-county",
        "session": "session of demo-county",
    }
    assert closed == ["demo-county"]
