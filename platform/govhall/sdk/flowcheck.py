"""Checks of a flow definition, in both languages.

Plugin flows are checked at start-up and tenant copies when an admin saves one,
with the same rules: unknown or repeated step keys, transitions to nowhere,
steps that can never be reached, branches that can never finish (so their join
never fires), a join asking for more branches than exist, and conditions over
fields the item's form does not have. No library checks this shape of graph,
so it is a small breadth-first walk written here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from govhall.sdk.items import FLOW_FACTS, STEP_ACTIONS, FlowStep, FlowTemplate
from govhall.sdk.rules import Rule, rule_fields, rule_problems


class FlowProblem(msgspec.Struct, frozen=True, kw_only=True):
    """Where in the flow (``steps.approve.actions.deny``) and what is wrong."""

    path: str
    message: str
    message_en: str


def _targets(steps: Sequence[FlowStep], index: int) -> Iterable[str]:
    """Where each step can go: step keys, or ``end``."""
    step = steps[index]
    following = steps[index + 1].key if index + 1 < len(steps) else "end"
    gotos = [step.then] if step.branches else []
    for action in step.actions:
        gotos.append(action.goto)
        gotos.extend(route.goto for route in action.routes)
    for goto in gotos:
        yield following if goto == "next" else goto


def _walk(steps: Sequence[FlowStep]) -> tuple[set[str], bool]:
    """Keys reachable from the first step, and whether ``end`` is reachable."""
    if not steps:
        return set(), False
    index = {s.key: i for i, s in enumerate(steps)}
    seen: set[str] = set()
    ends = False
    queue = [steps[0].key]
    while queue:
        key = queue.pop()
        if key in seen:
            continue
        seen.add(key)
        for target in _targets(steps, index[key]):
            if target == "end":
                ends = True
            elif target in index:
                queue.append(target)
    return seen, ends


def flow_problems(
    flow: FlowTemplate,
    fields: Iterable[str] | None = None,
    discretion: Iterable[str] = (),
    roles: Iterable[str] | None = None,
) -> list[FlowProblem]:
    """Everything wrong with ``flow``; ``fields`` are the item form's top-level fields
    (None skips the condition-field check), ``roles`` the roles a step may name."""
    problems: list[FlowProblem] = []
    known_fields = None if fields is None else {*fields, *FLOW_FACTS}
    known_discretion = set(discretion)
    known_roles = None if roles is None else set(roles)

    def problem(path: str, zh: str, en: str) -> None:
        problems.append(FlowProblem(path=path, message=zh, message_en=en))

    def check_rule(path: str, rule: Rule) -> None:
        for text in rule_problems(rule):
            problem(path, f"条件有误：{text}", f"the condition is invalid: {text}")
        if known_fields is None:
            return
        for name in sorted(rule_fields(rule)):
            if name.split(".")[0] not in known_fields:
                problem(
                    path,
                    f"条件使用了表单中不存在的字段“{name}”",
                    f"the condition uses {name!r}, which is not a field of the form",
                )

    all_keys: list[str] = []
    for step in flow.steps:
        all_keys.append(step.key)
        for branch in step.branches:
            all_keys.extend(s.key for s in branch.steps)
    repeated = sorted({k for k in all_keys if all_keys.count(k) > 1})
    if repeated:
        problem("steps", f"环节编码重复：{'、'.join(repeated)}", f"step keys repeat: {repeated}")
    if not flow.steps:
        problem("steps", "流程至少需要一个环节", "a flow needs at least one step")
        return problems

    def check_steps(steps: Sequence[FlowStep], where: str, in_branch: bool) -> None:
        keys = {s.key for s in steps}
        for step in steps:
            path = f"{where}.{step.key}"
            if not step.key.strip() or not step.name.strip():
                problem(path, "环节需要编码和名称", "a step needs a key and a name")
            if step.limit_days is not None and step.limit_days < 0:
                problem(path, "环节时限不能为负数", "a step limit cannot be negative")
            for code in step.discretion:
                if code not in known_discretion:
                    problem(
                        path,
                        f"引用了事项没有的裁量基准“{code}”",
                        f"names unknown discretion standard {code!r}",
                    )
            if step.branches:
                check_parallel(step, path, in_branch)
                continue
            if not step.role:
                problem(path, "环节需要指定办理角色", "a step needs a role")
            elif known_roles is not None and step.role not in known_roles:
                problem(path, f"未知的角色“{step.role}”", f"unknown role {step.role!r}")
            if not step.actions:
                problem(path, "环节至少需要一个办理操作", "a step needs at least one action")
            names = [a.name for a in step.actions]
            if len(set(names)) != len(names):
                problem(path, "同一环节的操作重复", "an action repeats within the step")
            for action in step.actions:
                apath = f"{path}.actions.{action.name}"
                if action.name not in STEP_ACTIONS:
                    problem(
                        apath,
                        f"未知的操作“{action.name}”，可用：{'、'.join(STEP_ACTIONS)}",
                        f"unknown action {action.name!r}; known: {list(STEP_ACTIONS)}",
                    )
                for goto in (action.goto, *(r.goto for r in action.routes)):
                    if goto not in ("next", "end", *keys):
                        problem(
                            apath,
                            f"转向不存在的环节“{goto}”",
                            f"goes to unknown step {goto!r}",
                        )
                for i, route in enumerate(action.routes):
                    check_rule(f"{apath}.routes.{i}", route.when)
        reached, ends = _walk(steps)
        for step in steps:
            if step.key not in reached:
                problem(
                    f"{where}.{step.key}",
                    f"环节“{step.name}”从第一个环节永远无法到达",
                    f"step {step.key!r} can never be reached from the first step",
                )
        if not ends:
            if in_branch:
                problem(
                    where,
                    "分支永远无法结束，汇聚永远不会触发",
                    "the branch can never finish, so its join can never fire",
                )
            else:
                problem(where, "流程永远无法结束", "the flow can never end")

    def check_parallel(step: FlowStep, path: str, in_branch: bool) -> None:
        if in_branch:
            problem(path, "分支内不能再嵌套并行环节", "parallel steps cannot nest inside a branch")
            return
        if step.actions:
            problem(
                path,
                "并行环节的操作应写在各分支的环节上",
                "a parallel step's actions go in its branches",
            )
        branch_keys = [b.key for b in step.branches]
        if len(set(branch_keys)) != len(branch_keys):
            problem(path, "分支编码重复", "branch keys repeat")
        top = {s.key for s in flow.steps}
        if step.then not in ("next", "end", *top):
            problem(
                path, f"汇聚后转向不存在的环节“{step.then}”", f"then goes to unknown {step.then!r}"
            )
        if step.join == "count" and not 1 <= step.join_count <= len(step.branches):
            problem(
                path,
                f"汇聚需要 {step.join_count} 个分支完成，但只有 {len(step.branches)} 个分支，"
                "永远不会触发",
                f"the join needs {step.join_count} of {len(step.branches)} branches and can "
                "never fire",
            )
        if step.join != "count" and step.join_count:
            problem(path, "只有按数量汇聚时才能设置数量", "join_count applies to join='count' only")
        for branch in step.branches:
            bpath = f"{path}.branches.{branch.key}"
            if not branch.steps:
                problem(bpath, "分支至少需要一个环节", "a branch needs at least one step")
                continue
            if branch.when is not None:
                check_rule(f"{bpath}.when", branch.when)
            check_steps(branch.steps, f"{bpath}.steps", in_branch=True)

    check_steps(flow.steps, "steps", in_branch=False)
    return problems
