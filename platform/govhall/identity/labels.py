"""Names of the staff functions (roles) in both languages."""

from __future__ import annotations

from govhall.i18n import Localized

ROLE_LABELS: dict[str, Localized] = {
    "clerk": Localized("窗口受理人员", "window clerk"),
    "handler": Localized("承办人员", "handler"),
    "reviewer": Localized("审核人员", "reviewer"),
    "approver": Localized("批准人员", "approver"),
    "issuer": Localized("办结发证人员", "issuer"),
    "supervisor": Localized("电子监察人员", "supervisor"),
    "statistician": Localized("统计人员", "statistician"),
    "tenant_admin": Localized("租户管理员", "tenant administrator"),
    "government_leader": Localized(
        "本级人民政府负责人", "head of the people's government at this level"
    ),
}
