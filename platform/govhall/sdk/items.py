"""Item declarations (事项, R-P2): the service guide, materials, documents and flow."""

from __future__ import annotations

from typing import Literal

import msgspec

from govhall.sdk.discretion import DiscretionStandard
from govhall.sdk.fees import FeeExample, FeeRule
from govhall.sdk.forms import FormSpec
from govhall.sdk.rules import Rule

#: The eight legal types of an administrative item (事项类型).
ITEM_TYPES: dict[str, str] = {
    "licensing": "行政许可",
    "confirmation": "行政确认",
    "payment": "行政给付",
    "award": "行政奖励",
    "adjudication": "行政裁决",
    "filing": "行政备案",
    "other_power": "其他行政权力",
    "public_service": "公共服务",
}

#: Business-handling kinds of a sub-item (业务办理项).
HANDLING_KINDS: dict[str, str] = {
    "new": "新设",
    "change": "变更",
    "renew": "延续",
    "cancel": "注销",
    "other": "其他",
}

#: File formats a material may accept, with the content types they arrive as.
MATERIAL_FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
}

#: Trust level (R-L3) of a material by its source: A issued by an agency, C uploaded
#: by the applicant with the original still to be checked (B once staff check it).
TRUST_BY_SOURCE: dict[str, str] = {"e_certificate": "A", "data_sharing": "A", "applicant": "C"}


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """A problem a plugin found in an application (returned by validation hooks)."""

    field: str
    message: str
    """The zh-CN text shown to the applicant."""
    message_en: str = ""
    """The English text (falls back to ``message``)."""


class LegalBasis(msgspec.Struct, frozen=True, kw_only=True):
    """A law or document with the articles relied on (设定依据/实施依据)."""

    title: str
    """The full title with book-title marks, e.g. 《中华人民共和国行政许可法》."""
    articles: tuple[str, ...] = ()
    """E.g. ("第二十九条", "第三十条")."""
    level: Literal["law", "regulation", "local_regulation", "rule", "normative"] = "law"
    """法律 / 行政法规 / 地方性法规 / 规章 / 规范性文件."""
    issuer: str = ""
    document_number: str = ""
    """文号, e.g. 国令第666号."""

    def cite(self) -> str:
        return self.title + "".join(self.articles)


class FAQ(msgspec.Struct, frozen=True, kw_only=True):
    question: str
    answer: str
    question_en: str = ""
    answer_en: str = ""


class RiskPoint(msgspec.Struct, frozen=True, kw_only=True):
    """A risk point (廉政风险点 / 审查要点) shown to staff at a step (R-W8)."""

    text: str
    text_en: str = ""
    step: str = ""
    """The flow step it concerns; empty: every step."""


class BatchParam(msgspec.Struct, frozen=True, kw_only=True):
    """A parameter of the batch checks (e.g. the highest age), which staff may set
    for one batch; rules read it as ``param.<name>``."""

    name: str
    label: str
    label_en: str = ""
    value: int | float | str


class BatchCheck(msgspec.Struct, frozen=True, kw_only=True):
    """An automatic check of one row of a batch (批量办件, R-W5). A row for which the
    rule does not hold is highlighted for staff, who decide whether to remove it.

    The rule reads the row's fields, ``age`` and ``sex`` (derived from the row's
    resident ID number on the day of the check), and ``param.<name>``."""

    code: str
    name: str
    name_en: str = ""
    rule: Rule
    params: tuple[BatchParam, ...] = ()


#: Facts a batch check may read besides the row's own fields.
BATCH_FACTS = ("age", "sex")


class MaterialSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A material (申请材料) the applicant supplies or the platform obtains."""

    code: str
    name: str
    name_en: str = ""
    required: bool = True
    required_when: Rule | None = None
    """For a conditional material: required when this holds (``required`` is then False)."""
    copies: int = 1
    original_check: bool = False
    """The original must be shown at the window (核验原件)."""
    formats: tuple[str, ...] = ("pdf", "jpg", "png")
    max_size_mb: int = 20
    sample: str | None = None
    """A sample file inside the plugin package, e.g. ``samples/application.pdf``."""
    source: Literal["applicant", "e_certificate", "data_sharing"] = "applicant"
    """Who supplies it; e-certificates and shared data are trust level A (R-L3)."""
    certificate_type: str = ""
    """For an e-certificate: the certificate type obtained, e.g. 居民身份证."""
    supplementable: bool = False
    """May be supplied later by correction (容缺受理): missing at submission is allowed."""
    notes: str = ""
    notes_en: str = ""

    @property
    def trust_level(self) -> str:
        return TRUST_BY_SOURCE[self.source]


class DocumentTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """A notice or result document: a Jinja2 template rendered with the case
    (``case``, ``item``, ``tenant``, ``department``, ``form``, ``decision``)."""

    code: str
    kind: Literal[
        "acceptance_notice",
        "correction_notice",
        "special_procedure_notice",
        "rejection_notice",
        "approval_decision",
        "denial_decision",
        "licence",
        "certificate",
        "receipt",
    ]
    name: str
    name_en: str = ""
    body: str
    """Jinja2 source (HTML). Checked for syntax at start-up."""
    validity: str = ""
    """How long the result is valid, in words (长期 / 4年)."""


#: Actions a flow step may declare (the engine adds the case-level ones itself:
#: correction, suspension, special procedures, extension, return, claim/transfer …).
STEP_ACTIONS: dict[str, tuple[str, str]] = {
    "accept": ("受理", "accept"),
    "reject": ("不予受理", "reject at acceptance"),
    "pass": ("承办完成", "pass on"),
    "agree": ("同意", "agree"),
    "disagree": ("不同意", "disagree"),
    "approve": ("准予许可", "approve"),
    "deny": ("不予许可", "deny"),
    "conclude": ("办结", "conclude"),
}

#: Names a transition condition may use besides the form's fields.
FLOW_FACTS = ("decision", "branch")


class Route(msgspec.Struct, frozen=True, kw_only=True):
    """A conditional transition: when ``when`` holds over the form data and the
    decisions so far (``decision``, ``branch.<key>``), go to ``goto``."""

    when: Rule
    goto: str


class FlowAction(msgspec.Struct, frozen=True, kw_only=True):
    """An action allowed at a step and what it does to the case."""

    name: str
    """A key of :data:`STEP_ACTIONS`: ``accept``, ``reject``, ``pass``, ``approve`` …"""
    goto: str = "next"
    """``next`` (the following step), ``end`` (the case ends — inside a parallel
    branch: the branch ends) or a step key."""
    routes: tuple[Route, ...] = ()
    """Conditional transitions tried in order before ``goto``."""
    status: str | None = None
    """The case status after the action, if it changes."""
    decision: Literal["approved", "denied"] | None = None
    opinion_required: bool = False


class FlowStep(msgspec.Struct, frozen=True, kw_only=True):
    """A step: a task for staff holding ``role`` (optionally a ``position``) over the
    case's handling unit or over ``org_unit``; or, with ``branches``, a parallel split
    (会签/联合审批) whose branches are sub-flows joined by ``join``."""

    key: str
    name: str
    name_en: str = ""
    role: str = ""
    actions: tuple[FlowAction, ...] = ()
    position: str = ""
    """A position (岗位) within the role, e.g. 分管领导; empty = anyone with the role."""
    org_unit: str = ""
    """Code of the org unit that handles the step; empty = the case's handling unit."""
    limit_days: int | None = None
    """Step limit in working days (R-F1); None = bounded only by the case's limit."""
    documents: tuple[str, ...] = ()
    """Document template kinds produced at this step (R-W10)."""
    discretion: tuple[str, ...] = ()
    """Codes of the item's discretion standards checked at this step (R-W6)."""
    branches: tuple[FlowBranch, ...] = ()
    join: Literal["all", "any", "count"] = "all"
    """When the parallel step completes: all started branches, any one, or ``join_count``."""
    join_count: int = 0
    then: str = "next"
    """Where a parallel step goes once joined: ``next``, ``end`` or a step key."""


class FlowBranch(msgspec.Struct, frozen=True, kw_only=True):
    """One branch of a parallel step: a sub-flow of steps run in series."""

    key: str
    name: str
    name_en: str = ""
    when: Rule | None = None
    """Started only when this holds over the form data (None = always)."""
    steps: tuple[FlowStep, ...]


class FlowTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """The default flow of an item; tenants copy and change it, as new versions."""

    key: str
    steps: tuple[FlowStep, ...]
    name: str = ""
    name_en: str = ""
    suspension_grounds: tuple[str, ...] = ()
    """The legal grounds on which a case of this flow may be suspended (中止) with its
    clock stopped, each citing its rule (e.g. "申请人死亡需确定继承人（《某条例》第十条）").
    A suspension on no declared ground is a note: the clock keeps running."""


class ItemSpec(msgspec.Struct, frozen=True, kw_only=True):
    """An approval item (事项) with every element of its service guide (办事指南)."""

    code: str
    """事项编码, unique across all plugins."""
    name: str
    name_en: str = ""
    version: str
    """Bump it whenever a law-derived rule changes; open cases keep their version."""
    item_type: str
    """A key of :data:`ITEM_TYPES`."""
    parent_code: str = ""
    """The main item (主项) this sub-item (子项) belongs to, if any."""
    handling_kind: str = "new"
    """业务办理项: a key of :data:`HANDLING_KINDS` (新设/变更/延续/注销)."""
    department_kind: str
    """Which kind of department handles it, e.g. ``market_regulation``."""
    handling_level: Literal["department", "town", "village"] = "department"
    """Where it is handled: a county department, or each town (乡镇) or village."""
    legal_implementer: str
    """法定实施主体."""
    legal_basis: tuple[LegalBasis, ...]
    """设定依据, each with its articles."""
    conditions: tuple[str, ...] = ()
    """申请条件."""
    procedure: tuple[str, ...] = ()
    """办理流程 in words, step by step."""
    statutory_days: int
    """法定时限 in working days."""
    promised_days: int
    """承诺时限 in working days (≤ statutory)."""
    on_the_spot: bool = False
    """即办件 (decided at once) rather than 承诺件."""
    visits: int = 1
    """Times the applicant must come in person (0 = 全程网办)."""
    form: FormSpec
    materials: tuple[MaterialSpec, ...] = ()
    fees: tuple[FeeRule, ...] = ()
    fee_free: bool = False
    """True when the item charges nothing (不收费); then ``fees`` is empty."""
    fee_free_basis: str = ""
    """Why it is free, e.g. the document that abolished the fee."""
    fee_examples: tuple[FeeExample, ...] = ()
    discretion: tuple[DiscretionStandard, ...] = ()
    annual_inspection: bool = False
    """年检/年报 required."""
    annual_inspection_note: str = ""
    place: str = ""
    """Default place (办理地点); a tenant overrides it."""
    hours: str = ""
    """Default hours (办理时间); a tenant overrides it."""
    consultation_phone: str = ""
    complaint_phone: str = ""
    result_name: str = ""
    """办理结果名称, e.g. 营业执照."""
    result_certificate: str = ""
    """The e-certificate type (电子证照) an approved case issues, e.g. 营业执照: it enters
    the holder's certificate library and satisfies materials of other items that ask
    for that ``certificate_type`` (R-L3). Empty: the result is not a certificate."""
    result_valid_years: int = 0
    """How long the certificate is valid, in years (0: no expiry); 行政许可法 §50."""
    renews: str = ""
    """For a renewal item (``handling_kind="renew"``): the certificate type it renews."""
    renewal_window_days: int = 30
    """§50: a renewal is asked this many (calendar) days before expiry, unless the
    item's own law says otherwise; applications earlier than that are refused."""
    result_sample: str | None = None
    """A sample of the result inside the plugin package."""
    documents: tuple[DocumentTemplate, ...] = ()
    faqs: tuple[FAQ, ...] = ()
    risk_points: tuple[RiskPoint, ...] = ()
    """Hints for the staff handling a case (what to check, what not to do)."""
    keywords: tuple[str, ...] = ()
    """Search words, including popular names (二胎, 开店)."""
    categories: tuple[str, ...] = ()
    audience: tuple[Literal["individual", "enterprise"], ...] = ("individual", "enterprise")
    scenarios: tuple[str, ...] = ()
    """Life-event paths leading here, levels split by '/', e.g. 我要开店/个体经营."""
    enterprise_review: bool = False
    """An enterprise operator's (经办人) submission waits for a reviewer's (审核人)
    confirmation before it reaches the department."""
    batch: bool = False
    """Homogeneous cases may be applied for and decided in a batch (批量办件)."""
    batch_rows: str = ""
    """With ``batch``: the form's list field whose rows are the batch's persons. Each
    row becomes its own case, whose form is the batch's shared fields plus that one
    row (so fees counted per row come to one person's share)."""
    batch_checks: tuple[BatchCheck, ...] = ()
    """Automatic checks run over every row of a batch, with their parameters."""
    flow: FlowTemplate | None = None
    """The default flow; when None the built-in flow for the item's kind is used."""
