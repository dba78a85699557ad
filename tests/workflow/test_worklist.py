"""Work lists follow role and org-unit scope."""

from __future__ import annotations

from tests.conftest import Api


async def test_worklist_by_role(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    first = await api.submit(citizen)
    await api.submit(citizen)
    clerk, handler = await api.staff("clerk"), await api.staff("handler")
    todo = (await api.client.get(api.t("/worklist"), headers=clerk)).json()
    assert todo["total"] == 2
    assert {item["step"] for item in todo["items"]} == {"accept"}
    assert todo["items"][0]["step_label"] == "受理"
    assert (await api.client.get(api.t("/worklist"), headers=handler)).json()["total"] == 0
    await api.act(clerk, first["serial_number"], "accept")
    handler_list = (await api.client.get(api.t("/worklist"), headers=handler)).json()
    assert [item["serial_number"] for item in handler_list["items"]] == [first["serial_number"]]
    page = (
        await api.client.get(api.t("/worklist"), headers=clerk, params={"page": 1, "page_size": 1})
    ).json()
    assert page["total"] == 1 and len(page["items"]) == 1


async def test_worklist_refuses_citizens_and_bad_paging(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    assert (await api.client.get(api.t("/worklist"), headers=citizen)).status_code == 403
    clerk = await api.staff("clerk")
    bad = await api.client.get(api.t("/worklist"), headers=clerk, params={"page_size": 1000})
    assert bad.status_code == 400


async def test_a_grant_taken_away_elsewhere_counts_from_the_next_request(
    api: Api, demo: None
) -> None:
    """Grants are kept per process with the tenant's catalogue version; another
    process (or SQL) taking one away raises the version, so it is not used again."""
    from govhall.identity.tables import RoleGrant, Staff

    citizen = await api.citizen()
    await api.submit(citizen)
    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/worklist"), headers=clerk)).json()["total"] == 1
    staff = await Staff.select(Staff.id).where(Staff.username == "clerk").first()
    assert staff is not None
    kept = await RoleGrant.select().where(RoleGrant.staff == staff["id"])
    await RoleGrant.delete().where(RoleGrant.staff == staff["id"])
    assert (await api.client.get(api.t("/worklist"), headers=clerk)).json()["total"] == 0
    # Given back the same way: the steps are the clerk's again.
    await RoleGrant.insert(*[RoleGrant(**row) for row in kept])
    assert (await api.client.get(api.t("/worklist"), headers=clerk)).json()["total"] == 1
