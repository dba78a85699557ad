"""Case-level actions through the API: correction, holds, extension, claims,
pre-handling, withdrawal, correction of mistakes, history and tracking."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhall.cases.tables import Case, CaseEvent
from govhall.documents.tables import Document
from govhall.identity.tables import RoleGrant, Staff
from govhall.tenancy.tables import OrgUnit
from govhall.workflow import machine
from govhall.workflow.engine import case_context, case_events
from govhall.workflow.machine import CaseState
from govhall.workflow.tables import Task
from tests.conftest import Api


async def _case(serial: str) -> Case:
    case = await Case.objects().output(load_json=True).where(Case.serial_number == serial).first()
    assert case is not None
    return case


async def _accepted(api: Api) -> tuple[str, dict[str, str]]:
    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    response = await api.act(await api.staff("clerk"), serial, "accept")
    assert response.status_code == 200, response.text
    return serial, citizen


async def test_correction_is_requested_once_with_its_list_and_shown_to_the_applicant(
    api: Api, demo: None
) -> None:
    citizen = await api.citizen()
    receipt = await api.submit(citizen)
    serial = receipt["serial_number"]
    assert receipt["acceptance_due"]
    clerk = await api.staff("clerk")
    empty = await api.act(clerk, serial, "request_correction", "材料不全", items=[])
    assert empty.status_code == 422 and empty.json()["code"] == "correction_items_required"
    asked = await api.act(
        clerk,
        serial,
        "request_correction",
        "请补正",
        items=["申请人身份证明：复印件不清晰", {"text": "宗地图"}],
    )
    assert asked.status_code == 200 and asked.json()["status"] == "awaiting_correction"
    blocked = await api.act(clerk, serial, "accept")
    assert blocked.status_code == 409 and blocked.json()["code"] == "case_on_hold"
    progress = await api.client.get(
        api.t("/progress"),
        params={"serial_number": serial, "query_code": receipt["query_code"]},
    )
    last = progress.json()["timeline"][-1]
    assert last["action"] == "request_correction"
    assert last["items"] == ["申请人身份证明（复印件不清晰）", "其他：宗地图"]
    assert progress.json()["status_label"] == "待补正"
    assert (await api.act(clerk, serial, "receive_correction")).json()["status"] == "submitted"
    again = await api.act(clerk, serial, "request_correction", "再补", items=["申请书"])
    assert again.status_code == 409 and again.json()["code"] == "correction_already_requested"
    english = await api.client.post(
        api.t(f"/cases/{serial}/actions"),
        headers={**clerk, "accept-language": "en"},
        json={"action": "request_correction", "opinion": "x", "data": {"items": ["a"]}},
    )
    assert "only once" in english.json()["detail"]
    assert (await api.act(clerk, serial, "accept")).status_code == 200


async def test_pause_resume_and_one_extension_move_the_deadline(api: Api, demo: None) -> None:
    receipt = await api.submit(await api.citizen())
    serial = receipt["serial_number"]
    assert (await api.act(await api.staff("clerk"), serial, "accept")).status_code == 200
    handler, approver = await api.staff("handler"), await api.staff("approver")
    due = (await _case(serial)).due_on
    assert due is not None
    revision = (await _case(serial)).revision
    vague = await api.act(handler, serial, "pause", "委托测绘", procedure="testing")
    assert vague.status_code == 422 and vague.json()["code"] == "procedure_days_required"
    assert (await _case(serial)).revision == revision  # refused: nothing changed
    paused = await api.act(
        handler, serial, "pause", "委托测绘", procedure="testing", days_needed=10
    )
    assert paused.json()["status"] == "special_procedure"
    held = await _case(serial)
    assert held.hold == "special" and held.hold_due is not None
    # §45: the applicant is told in writing which procedure and the time it needs.
    notice = (
        await Document.objects()
        .where((Document.case == held.id) & (Document.kind == "special_procedure_notice"))
        .first()
    )
    assert notice is not None and notice.title == "特别程序告知书"
    progress = await api.client.get(
        api.t("/progress"),
        params={"serial_number": serial, "query_code": receipt["query_code"]},
    )
    notes = [e["note"] for e in progress.json()["timeline"] if e["action"] == "pause"]
    assert notes and "检测：所需时间 10 个工作日" in notes[0], progress.text
    assert (await api.act(handler, serial, "pass")).status_code == 409
    assert (await api.act(handler, serial, "resume")).json()["status"] == "accepted"
    assert (await api.act(handler, serial, "extend", "复杂")).status_code == 403  # approver only
    assert (await api.act(approver, serial, "extend")).status_code == 422  # a reason is needed
    extended = await api.act(approver, serial, "extend", "需要实地核查，情况复杂")
    assert extended.status_code == 200
    case = await _case(serial)
    assert case.due_on is not None and case.due_on > due
    revision = case.revision
    twice = await api.act(approver, serial, "extend", "再次延期")
    assert twice.status_code == 409 and twice.json()["code"] == "already_extended"
    assert (await _case(serial)).revision == revision  # the case is unchanged
    assert await CaseEvent.count().where(CaseEvent.action == "extend") == 1


async def test_claim_transfer_and_work_lists(api: Api, demo: None) -> None:
    serial, _ = await _accepted(api)
    handler = await api.staff("handler")
    # A second handler of the department.
    other = await Staff.objects().where(Staff.username == "dept-handler").first()
    unit = await OrgUnit.objects().where(OrgUnit.code == "zrzyj").first()
    assert other is not None and unit is not None
    await RoleGrant(tenant=unit.tenant, staff=other.id, role="handler", org_unit=unit.id).save()
    colleague = await api.staff("dept-handler")
    claimed = await api.act(handler, serial, "claim")
    assert claimed.status_code == 200
    theirs = await api.client.get(api.t("/worklist"), headers=colleague)
    assert serial not in [i["serial_number"] for i in theirs.json()["items"]]
    refused = await api.act(colleague, serial, "pass")
    assert refused.status_code == 409 and "李承办" in refused.json()["detail"]
    nobody = await api.act(handler, serial, "transfer", "请协办", staff="clerk")
    assert nobody.status_code == 409 and nobody.json()["code"] == "assignee_lacks_role"
    moved = await api.act(handler, serial, "transfer", "请协办", staff="dept-handler")
    assert moved.status_code == 200
    task = await Task.objects().where((Task.step == "handle") & (Task.status == "open")).first()
    assert task is not None and task.assignee == other.id
    assert (await api.act(colleague, serial, "pass")).status_code == 200
    events = await CaseEvent.select(CaseEvent.action).order_by(CaseEvent.seq)
    assert [e["action"] for e in events] == ["submit", "accept", "claim", "transfer", "pass"]


async def test_pre_handling_is_received_when_confirmed_at_the_counter(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    first = await api.upload(citizen)
    second = await api.upload(citizen)
    response = await api.client.post(
        api.t("/applications"),
        headers=citizen,
        json={
            "item_code": "NR-BDC-0001",
            "form": {
                "applicant_name": "张三",
                "property_location": "城关镇解放路12号",
                "property_use": "residential",
                "floor_area": 98.5,
                "extra_certificates": 1,
            },
            "materials": [
                {"material_code": "application_form", "blob_id": first["blob_id"]},
                {"material_code": "identity_proof", "blob_id": second["blob_id"]},
            ],
            "pre_handling": True,
        },
    )
    assert response.status_code == 201, response.text
    serial = response.json()["serial_number"]
    assert response.json()["status"] == "pre_submitted"
    assert response.json()["acceptance_due"] is None
    clerk = await api.staff("clerk")
    early = await api.act(clerk, serial, "accept")
    assert early.status_code == 409 and early.json()["code"] == "pre_handling_unconfirmed"
    assert (await api.act(clerk, serial, "confirm")).json()["status"] == "submitted"
    assert (await _case(serial)).acceptance_due is not None
    assert (await api.act(clerk, serial, "accept")).status_code == 200


async def test_withdraw_by_the_applicant_only_and_before_a_decision(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    stranger = await api.citizen("lisi")
    url = api.t(f"/applications/{serial}/withdraw")
    assert (await api.client.post(url, headers=stranger, json={})).status_code == 403
    done = await api.client.post(url, headers=citizen, json={"reason": "不再需要"})
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    assert await Task.count().where(Task.status == "open") == 0
    assert await Task.count().where(Task.status == "cancelled") == 1


async def test_terminate_void_and_correct_need_their_roles(api: Api, demo: None) -> None:
    serial, _ = await _accepted(api)
    handler, approver = await api.staff("handler"), await api.staff("approver")
    supervisor, clerk = await api.staff("supervisor"), await api.staff("clerk")
    assert (await api.act(handler, serial, "pass")).status_code == 200
    # The handler clicked "pass" by mistake: the approver corrects it, with a reason.
    assert (await api.act(clerk, serial, "correct", "误操作", target_seq=3)).status_code == 403
    wrong = await api.act(approver, serial, "correct", "误操作", target_seq=2)
    assert wrong.status_code == 409 and wrong.json()["code"] == "correct_target_invalid"
    fixed = await api.act(approver, serial, "correct", "承办人误点", target_seq=3)
    assert fixed.status_code == 200 and fixed.json()["step"] == "handle"
    assert await Task.count().where((Task.step == "handle") & (Task.status == "open")) == 1
    assert await Task.count().where((Task.step == "approve") & (Task.status == "open")) == 0
    assert (await api.act(clerk, serial, "terminate", "x")).status_code == 403
    voided = await api.act(supervisor, serial, "void", "重复立案")
    assert voided.status_code == 200 and voided.json()["status"] == "voided"
    # Only a supervisor terminates (others ask: supervision.terminations); not once ended.
    assert (await api.act(approver, serial, "terminate", "x")).status_code == 403
    assert (await api.act(supervisor, serial, "terminate", "x")).status_code == 409


async def test_case_state_history_and_tracking(api: Api, demo: None) -> None:
    serial, _ = await _accepted(api)
    await api.act(await api.staff("handler"), serial, "claim")
    await api.act(await api.staff("handler"), serial, "pass", "符合登记条件")
    approver = await api.staff("approver")
    now = await api.client.get(api.t(f"/cases/{serial}"), headers=approver)
    assert now.status_code == 200, now.text
    body = now.json()
    assert body["status"] == "reviewing" and body["active"][0]["step"] == "approve"
    assert [s["status"] for s in body["steps"]] == ["done", "done", "in_progress", "not_reached"]
    assert body["clock"]["due_on"] and body["clock"]["limit_days"] == 30
    events = await CaseEvent.select(CaseEvent.seq, CaseEvent.created_at).order_by(CaseEvent.seq)
    claim_at = events[2]["created_at"]
    then = await api.client.get(
        api.t(f"/cases/{serial}/history"), headers=approver, params={"at": claim_at.isoformat()}
    )
    assert then.status_code == 200, then.text
    past = then.json()
    assert past["seq"] == 3 and past["status"] == "accepted"
    assert past["active"][0]["step"] == "handle" and past["active"][0]["assignee"] == "李承办"
    assert [s["status"] for s in past["steps"]] == [
        "done",
        "in_progress",
        "not_reached",
        "not_reached",
    ]
    before = await api.client.get(
        api.t(f"/cases/{serial}/history"),
        headers=approver,
        params={"at": (events[0]["created_at"] - timedelta(seconds=1)).isoformat()},
    )
    assert before.status_code == 422 and before.json()["code"] == "before_submission"
    citizen_view = await api.client.get(
        api.t(f"/cases/{serial}"), headers=await api.citizen("wangwu")
    )
    assert citizen_view.status_code == 403


async def test_stored_state_equals_the_replayed_events(api: Api, demo: None) -> None:
    serial, _ = await _accepted(api)
    handler = await api.staff("handler")
    await api.act(handler, serial, "suspend", "等待法院裁定")
    await api.act(handler, serial, "resume")
    await api.act(handler, serial, "pass")
    case = await _case(serial)
    tenant = await _tenant_info(case)
    replayed = machine.replay(await case_context(case, tenant), await case_events(case.id))
    assert replayed == CaseState.from_builtins(case.state)  # type: ignore[arg-type]


async def _tenant_info(case: Case) -> Any:
    from govhall.tenancy.services import resolve_tenant

    return await resolve_tenant("demo-county")


_USERS = itertools.count(1)
ROUND = st.lists(
    st.sampled_from(
        [("handler", "pass"), ("approver", "approve"), ("approver", "deny"), ("clerk", "accept")]
    ),
    min_size=2,
    max_size=5,
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rounds=st.lists(ROUND, min_size=1, max_size=4))
async def test_no_concurrent_actions_produce_two_decisions(
    api: Api, demo: None, rounds: list[list[tuple[str, str]]]
) -> None:
    citizen = await api.citizen(f"user{next(_USERS)}")
    serial = (await api.submit(citizen))["serial_number"]
    staff = {name: await api.staff(name) for name in ("clerk", "handler", "approver")}
    for batch in rounds:
        results = await asyncio.gather(
            *[
                api.act(staff[who], serial, what, "意见" if what == "deny" else "")
                for who, what in batch
            ]
        )
        assert all(r.status_code in (200, 403, 409) for r in results), [r.text for r in results]
    case = await _case(serial)
    decisions = await CaseEvent.count().where(
        (CaseEvent.case == case.id) & CaseEvent.action.is_in(["approve", "deny"])
    )
    assert decisions <= 1
    assert await CaseEvent.count().where(CaseEvent.case == case.id) == case.revision
    tenant = await _tenant_info(case)
    replayed = machine.replay(await case_context(case, tenant), await case_events(case.id))
    assert replayed == CaseState.from_builtins(case.state)  # type: ignore[arg-type]


async def test_full_id_number_only_for_handlers_of_the_case_and_audited(
    api: Api, demo: None
) -> None:
    from govhall.audit.tables import AuditEntry
    from tests.conftest import ID_NUMBER

    serial = (await api.submit(await api.citizen()))["serial_number"]
    url = api.t(f"/cases/{serial}/applicant")
    supervisor = await api.staff("supervisor")
    masked = await api.client.get(url, headers=supervisor)
    assert masked.status_code == 200
    assert masked.json()["id_number"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert not masked.json()["full"]
    refused = await api.client.get(url, headers=supervisor, params={"full": "true"})
    assert refused.status_code == 403 and refused.json()["code"] == "id_view_forbidden"
    other_department = await api.staff("dept-handler")
    assert (
        await api.client.get(url, headers=other_department, params={"full": "true"})
    ).status_code == 403
    assert await AuditEntry.count().where(AuditEntry.action == "id_number_viewed") == 0
    clerk = await api.staff("clerk")
    shown = await api.client.get(url, headers=clerk, params={"full": "true"})
    assert shown.status_code == 200 and shown.json()["id_number"] == ID_NUMBER
    viewed = await AuditEntry.select().where(AuditEntry.action == "id_number_viewed")
    assert [(v["actor_name"], v["target"]) for v in viewed] == [("王受理", serial)]
    citizen = await api.client.get(url, headers=await api.citizen("lisi"))
    assert citizen.status_code == 403


async def test_the_sweep_deems_an_unanswered_application_accepted(api: Api, demo: None) -> None:
    """§32: 5 working days with no acceptance decision — accepted from receipt, by the
    system, without a clerk; the applicant is told; a refusal is no longer possible."""
    from datetime import UTC, datetime, timedelta

    from govhall.notify.tables import InboxMessage
    from govhall.supervision.sweep import sweep

    serial = (await api.submit(await api.citizen()))["serial_number"]
    received = await _case(serial)
    assert received.received_on is not None and received.due_on is None
    later = datetime.now(UTC) + timedelta(days=30)
    await sweep(later)
    case = await _case(serial)
    assert case.status == "accepted" and case.acceptance_due is None
    state = case.state
    assert state["clock"]["deemed_accepted"] is True  # type: ignore[index]
    assert state["clock"]["start_on"] == received.received_on.isoformat()  # type: ignore[index]
    assert case.due_on is not None
    events = await CaseEvent.select(CaseEvent.action, CaseEvent.actor_kind).where(
        CaseEvent.case == case.id
    )
    assert {"action": "deem_accept", "actor_kind": "system"} in events
    told = await InboxMessage.count().where(
        (InboxMessage.case == case.id) & (InboxMessage.template == "case_deem_accept")
    )
    assert told == 1
    await sweep(later)  # again: nothing more
    assert await CaseEvent.count().where(CaseEvent.case == case.id) == len(events)
    refused = await api.act(await api.staff("clerk"), serial, "reject", "不符合条件")
    assert refused.status_code == 409
