"""Rule signals (R-S5): a red card raised at once — not by the sweep — when an action
breaks the item's rules:

* **rejected_complete** — not accepted (不予受理) or denied at the decision (不予许可)
  although every required material was there (nothing missing, nothing deferred):
  the item's rules accept it.
* **extra_materials** — a correction or a return to the applicant asks for
  something that is not one of the item's declared materials (增设条件). What is
  asked is validated data (:func:`correction_items`): a declared material by code
  or exact name, or a line of free text marked as such — never a substring guess.

Two other rules of R-S5 are enforced as refusals, so nothing to signal is ever
recorded: a fee line without a legal basis (the plugin registry refuses it) and a
decision outside its discretionary band without a reason (``cases.discretion``
refuses it).

Rule signals stay open until a supervisor reviews them (``review_rule_signal``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec

from govhall import db
from govhall.cases.materials import completeness
from govhall.cases.tables import Case
from govhall.errors import Conflict, Forbidden, InvalidInput, NotFound, required_text
from govhall.i18n import N_, Localized
from govhall.identity.tokens import Principal
from govhall.sdk import ItemSpec
from govhall.supervision.services import supervision_scope
from govhall.supervision.tables import Signal
from govhall.tenancy.schemas import TenantInfo

RULES = {
    "rejected_complete": Localized("材料齐全仍不予受理", "not accepted although complete"),
    "extra_materials": Localized(
        "要求提交事项清单以外的材料", "asked for materials the item does not list"
    ),
}
CORRECTING = frozenset({"request_correction", "return_to_applicant"})
#: Refusals of an application on its merits or at the door.
REFUSING = frozenset({"reject", "deny"})
#: How a free-text line (not a declared material) is marked in a notice.
FREE_TEXT = "其他："


class RuleReviewIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    comment: str


async def raise_rule(case: Case, code: str, reason: str) -> bool:
    """One red card for ``code`` on ``case``; False if the case already has it."""
    subject = f"rule:{code}"
    if await Signal.exists().where((Signal.case == case.id) & (Signal.subject == subject)):
        return False
    try:
        await Signal(
            tenant=case.tenant,
            case=case.id,
            org_unit=case.department,
            subject=subject,
            level="red",
            kind="rule",
            reason=reason[:2000],
        ).save()
    except Exception:  # the unique index: raised by a concurrent action meanwhile
        if await Signal.exists().where((Signal.case == case.id) & (Signal.subject == subject)):
            return False
        raise
    return True


def correction_items(spec: ItemSpec, raw: object) -> list[str]:
    """What a correction or return asks for, as the lines its notice prints. Each entry
    names a declared material — by code or exact name (Chinese or English), as text
    or ``{"material_code": …, "note": …}``, optionally followed by a note after a
    colon (``申请人身份证明：复印件不清晰``) — or is free text, given as any other text or
    ``{"text": …}`` and marked :data:`FREE_TEXT`. Anything else is refused, naming it."""
    by_key = {m.code: m.name for m in spec.materials}
    by_key.update({m.name: m.name for m in spec.materials})
    by_key.update({m.name_en.lower(): m.name for m in spec.materials if m.name_en})
    out: list[str] = []
    problems: list[str] = []

    def material(name: str, note: str) -> str:
        note = note.strip(" ：:，,;；")
        return f"{name}（{note}）" if note else name

    for entry in raw if isinstance(raw, list) else [raw]:
        if (
            isinstance(entry, dict)
            and "material_code" in entry
            and set(entry)
            <= {
                "material_code",
                "note",
            }
        ):
            code = str(entry["material_code"])
            if code not in by_key:
                problems.append(code)
                continue
            out.append(material(by_key[code], str(entry.get("note") or "")))
        elif isinstance(entry, dict) and set(entry) == {"text"} and str(entry["text"]).strip():
            out.append(FREE_TEXT + str(entry["text"]).strip().removeprefix(FREE_TEXT))
        elif isinstance(entry, str) and entry.strip():
            text = entry.strip()
            head, _, note = text.replace(":", "：", 1).partition("：")
            known = by_key.get(head.strip()) or by_key.get(head.strip().lower())
            if known:
                out.append(material(known, note))
            else:
                out.append(FREE_TEXT + text.removeprefix(FREE_TEXT).strip())
        elif not isinstance(entry, str):
            problems.append(str(entry)[:40])
    if problems:
        raise InvalidInput(
            N_("补正内容须为本事项的申请材料（编码或名称）或一段文字说明，无法识别：{items}"),
            code="correction_items_invalid",
            items="、".join(problems),
        )
    return out


async def check_action(
    case_id: uuid.UUID, action: str, items: list[str], opinion: str, spec: ItemSpec
) -> list[str]:
    """After a committed action: raise the rule signals it calls for; returns their
    codes. ``items`` are :func:`correction_items`' lines."""
    if action not in REFUSING and action not in CORRECTING:
        return []
    case = await Case.objects().where(Case.id == case_id).first()
    if case is None:
        return []
    raised = []
    if action in REFUSING:
        found = await completeness(case, spec, "zh-CN")
        if found.complete and not found.deferred:
            what = "不予受理" if action == "reject" else "在审批环节不予许可"
            reason = f"材料齐全、表单经校验仍{what}。理由：{opinion}"
            if await raise_rule(case, "rejected_complete", reason):
                raised.append("rejected_complete")
    else:
        extra = [i.removeprefix(FREE_TEXT) for i in items if i.startswith(FREE_TEXT)]
        if extra:
            reason = "要求提交事项清单以外的材料：" + "、".join(extra)
            if await raise_rule(case, "extra_materials", reason):
                raised.append("extra_materials")
    return raised


async def review_rule_signal(
    tenant: TenantInfo, principal: Principal, signal_id: uuid.UUID, comment: str
) -> None:
    """A supervisor over the unit closes a rule signal with the review's conclusion."""
    scope = await supervision_scope(tenant, principal)
    row = (
        await Signal.select(
            Signal.id, Signal.kind, Signal.cleared_at, Signal.reason, Signal.org_unit.path
        )
        .where((Signal.id == signal_id) & (Signal.tenant == tenant.id))
        .first()
    )
    if row is None or not any((row["org_unit.path"] or "").startswith(g.path) for g in scope):
        raise NotFound(N_("找不到该预警信息"), code="signal_not_found")
    if row["kind"] != "rule":
        raise Forbidden(N_("时限预警由系统自动解除，不能人工解除"), code="deadline_signal")
    if row["cleared_at"] is not None:
        raise Conflict(N_("该信息已处理"), code="signal_cleared")
    text = required_text(comment, "comment", 1000, N_("请填写审查结论"))
    async with db.transaction():
        await Signal.update(
            {
                Signal.cleared_at: datetime.now(UTC),
                Signal.reason: f"{row['reason']}\n审查（{principal.name}）：{text}",
            }
        ).where((Signal.id == signal_id) & Signal.cleared_at.is_null())
