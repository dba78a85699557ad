"""The workflow engine: start a case on its flow, and validate and apply staff actions.

Each action is checked against the case's current step, the step's allowed
actions and the actor's role grants over the case's department; then, in one
transaction, the case's status/step change (guarded by its ``revision``, so two
concurrent actions cannot both succeed), the task closes, the next task opens
and an event is appended.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import msgspec

from govhall import db
from govhall.cases.tables import Case, CaseEvent
from govhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.services import covers, grants_of, org_unit_path
from govhall.identity.tokens import Principal
from govhall.sdk import FlowAction, FlowStep, FlowTemplate
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.labels import ACTION_LABELS, ROLE_LABELS, label
from govhall.workflow.tables import Task

#: Actions a staff member may call through the API (the engine's vocabulary).
KNOWN_ACTIONS = frozenset(ACTION_LABELS) - {"submit"}


def flow_of(case: Case) -> FlowTemplate:
    return msgspec.convert(case.flow, FlowTemplate)


def step_named(flow: FlowTemplate, key: str) -> FlowStep:
    for step in flow.steps:
        if step.key == key:
            return step
    raise KeyError(key)


def next_step(flow: FlowTemplate, current: FlowStep, action: FlowAction) -> FlowStep | None:
    if action.goto == "end":
        return None
    if action.goto == "next":
        index = flow.steps.index(current)
        return flow.steps[index + 1] if index + 1 < len(flow.steps) else None
    return step_named(flow, action.goto)


def step_label(step: FlowStep) -> Localized:
    return Localized(step.name, step.name_en)


async def open_first_task(
    case_id: uuid.UUID, tenant_id: uuid.UUID, department_id: uuid.UUID, flow: FlowTemplate
) -> None:
    first = flow.steps[0]
    await Task(
        tenant=tenant_id, case=case_id, step=first.key, role=first.role, org_unit=department_id
    ).save()


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    case_id: uuid.UUID
    serial_number: str
    item_code: str
    action: str
    from_status: str
    to_status: str
    step: str | None
    decision: str | None
    applicant_id: uuid.UUID | None
    event_seq: int
    item_version: uuid.UUID
    form: dict[str, Any]
    opinion: str


async def perform_action(
    tenant: TenantInfo,
    actor: Principal,
    serial_number: str,
    action_name: str,
    opinion: str,
) -> ActionOutcome:
    if action_name not in KNOWN_ACTIONS:
        raise InvalidInput(
            N_("未知的办理操作“{action}”，可用的操作有：{known}"),
            code="unknown_action",
            action=action_name,
            known="、".join(sorted(KNOWN_ACTIONS)),
        )
    case = (
        await Case.objects()
        .output(load_json=True)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number))
        .first()
    )
    if case is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    flow = flow_of(case)
    if case.step is None:
        raise Conflict(
            N_("办件已结束，不能再执行“{action}”"),
            code="case_ended",
            action=label(ACTION_LABELS, action_name),
        )
    step = step_named(flow, case.step)
    action = next((a for a in step.actions if a.name == action_name), None)
    if action is None:
        allowed = Localized(
            "、".join(str(label(ACTION_LABELS, a.name).pick("zh-CN")) for a in step.actions),
            ", ".join(label(ACTION_LABELS, a.name).pick("en") for a in step.actions),
        )
        raise Conflict(
            N_("办件当前处于“{step}”环节，不能执行“{action}”；此环节可执行：{allowed}"),
            code="action_not_allowed",
            step=step_label(step),
            action=label(ACTION_LABELS, action_name),
            allowed=allowed,
        )
    task = (
        await Task.objects()
        .where((Task.case == case.id) & (Task.step == step.key) & (Task.status == "open"))
        .first()
    )
    if task is None:  # the cached step and the tasks disagree: never act on a guess
        raise Conflict(N_("该办件刚被其他人处理，请刷新后重试"), code="stale_case")
    grants = await grants_of(actor.id, tenant.id)
    if not covers(grants, step.role, await org_unit_path(task.org_unit)):
        raise Forbidden(
            N_("您没有“{step}”环节的办理权限（需要{role}角色）"),
            code="role_required",
            step=step_label(step),
            role=label(ROLE_LABELS, step.role),
        )
    opinion = opinion.strip()
    if action.opinion_required and not opinion:
        raise InvalidInput(
            N_("执行“{action}”必须填写理由或意见"),
            code="opinion_required",
            action=label(ACTION_LABELS, action_name),
        )

    following = next_step(flow, step, action)
    to_status = action.status or case.status
    now = datetime.now(UTC)
    values: dict[Any, Any] = {
        Case.status: to_status,
        Case.step: following.key if following else None,
        Case.revision: case.revision + 1,
    }
    if action.decision:
        values[Case.decision] = action.decision
    if following is None:
        values[Case.concluded_at] = now
    async with db.transaction():
        updated = (
            await Case.update(values)
            .where((Case.id == case.id) & (Case.revision == case.revision))
            .returning(Case.id)
        )
        if not updated:
            raise Conflict(N_("该办件刚被其他人处理，请刷新后重试"), code="stale_case")
        await Task.update(
            {Task.status: "done", Task.completed_by: actor.id, Task.completed_at: now}
        ).where(Task.id == task.id)
        if following is not None:
            await Task(
                tenant=tenant.id,
                case=case.id,
                step=following.key,
                role=following.role,
                org_unit=task.org_unit,
            ).save()
        await CaseEvent(
            tenant=tenant.id,
            case=case.id,
            seq=case.revision + 1,
            action=action_name,
            actor_kind="staff",
            actor_id=actor.id,
            actor_name=actor.name,
            role=step.role,
            from_status=case.status,
            to_status=to_status,
            step=step.key,
            opinion=opinion,
            data={"next_step": following.key if following else None},
        ).save()
    return ActionOutcome(
        case_id=case.id,
        serial_number=case.serial_number,
        item_code=case.item_code,
        action=action_name,
        from_status=case.status,
        to_status=to_status,
        step=following.key if following else None,
        decision=action.decision or case.decision,
        applicant_id=case.applicant,
        event_seq=case.revision + 1,
        item_version=case.item_version,
        form=cast(dict[str, Any], case.form or {}),
        opinion=opinion,
    )
