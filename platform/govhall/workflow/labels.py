"""Names of roles, actions and statuses in both languages (for messages and timelines)."""

from __future__ import annotations

from govhall.i18n import Localized

ROLE_LABELS: dict[str, Localized] = {
    "clerk": Localized("窗口受理人员", "window clerk"),
    "handler": Localized("承办人员", "handler"),
    "reviewer": Localized("审核人员", "reviewer"),
    "approver": Localized("批准人员", "approver"),
    "issuer": Localized("办结发证人员", "issuer"),
    "supervisor": Localized("电子监察人员", "supervisor"),
    "tenant_admin": Localized("租户管理员", "tenant administrator"),
}

ACTION_LABELS: dict[str, Localized] = {
    "submit": Localized("提交申请", "submitted"),
    "accept": Localized("受理", "accepted"),
    "reject": Localized("不予受理", "not accepted"),
    "pass": Localized("承办完成", "handled"),
    "approve": Localized("准予许可", "approved"),
    "deny": Localized("不予许可", "denied"),
    "conclude": Localized("办结", "concluded"),
}

STATUS_LABELS: dict[str, Localized] = {
    "submitted": Localized("已提交，待受理", "submitted, awaiting acceptance"),
    "accepted": Localized("已受理，办理中", "accepted, being handled"),
    "reviewing": Localized("审查中", "under review"),
    "approved": Localized("已批准，待办结", "approved, awaiting conclusion"),
    "denied": Localized("不予许可，待办结", "denied, awaiting conclusion"),
    "rejected": Localized("不予受理", "not accepted"),
    "concluded": Localized("已办结", "concluded"),
}


def label(table: dict[str, Localized], key: str) -> Localized:
    return table.get(key) or Localized(key, key)
