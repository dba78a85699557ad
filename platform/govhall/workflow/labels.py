"""Names of roles, actions and statuses in both languages (for messages and timelines)."""

from __future__ import annotations

from govhall.i18n import Localized
from govhall.i18n import label as label

# Roles are identity's; re-exported here for the labels of a case's trail.
from govhall.identity.labels import ROLE_LABELS as ROLE_LABELS

ACTION_LABELS: dict[str, Localized] = {
    "submit": Localized("提交申请", "submitted"),
    "accept": Localized("受理", "accepted"),
    "reject": Localized("不予受理", "not accepted"),
    "pass": Localized("承办完成", "handled"),
    "approve": Localized("准予许可", "approved"),
    "deny": Localized("不予许可", "denied"),
    "conclude": Localized("办结", "concluded"),
    "agree": Localized("同意", "agreed"),
    "disagree": Localized("不同意", "disagreed"),
    "confirm": Localized("窗口确认收件", "confirmed at the counter"),
    "pre_review": Localized("预审", "pre-reviewed"),
    "request_correction": Localized("一次性告知补正", "correction requested"),
    "receive_correction": Localized("收到补正材料", "correction received"),
    "return_to_applicant": Localized("退回申请人补充", "returned to the applicant"),
    "return": Localized("退回", "returned to an earlier step"),
    "suspend": Localized("挂起", "suspended"),
    "pause": Localized("进入特别程序", "special procedure started"),
    "resume": Localized("恢复办理", "resumed"),
    "extend": Localized("延长办理期限", "time limit extended"),
    "hearing_requested": Localized("申请人提出听证", "hearing requested by the applicant"),
    "deem_accept": Localized(
        "视为受理（行政许可法第三十二条）", "deemed accepted (Administrative Licensing Law §32)"
    ),
    "claim": Localized("签收", "claimed"),
    "assign": Localized("指派", "assigned"),
    "transfer": Localized("转办", "transferred"),
    "withdraw": Localized("撤回申请", "withdrawn by the applicant"),
    "terminate": Localized("终止办理", "terminated"),
    "void": Localized("作废", "voided"),
    "correct": Localized("纠错", "corrected"),
}

STATUS_LABELS: dict[str, Localized] = {
    "submitted": Localized("已提交，待受理", "submitted, awaiting acceptance"),
    "accepted": Localized("已受理，办理中", "accepted, being handled"),
    "reviewing": Localized("审查中", "under review"),
    "approved": Localized("已批准，待办结", "approved, awaiting conclusion"),
    "denied": Localized("不予许可，待办结", "denied, awaiting conclusion"),
    "rejected": Localized("不予受理", "not accepted"),
    "concluded": Localized("已办结", "concluded"),
    "pre_submitted": Localized("预办理，待到窗口确认", "pre-submitted, to confirm at the counter"),
    "pre_reviewed": Localized("已预审，待受理", "pre-reviewed, awaiting acceptance"),
    "awaiting_correction": Localized("待补正", "awaiting corrections"),
    "returned_to_applicant": Localized("已退回申请人补充", "returned to the applicant"),
    "suspended": Localized("已挂起", "suspended"),
    "special_procedure": Localized("特别程序中", "in a special procedure"),
    "withdrawn": Localized("申请人已撤回", "withdrawn"),
    "terminated": Localized("已终止", "terminated"),
    "voided": Localized("已作废", "voided"),
}
