"""Items of the template_dept department, declared for govhall.

Replace the example item with your department's items. Import only from
``govhall.sdk``; see docs/plugins/ for every declaration and hook.
"""

from __future__ import annotations

from typing import Any

from govhall.sdk import (
    F,
    FeeExample,
    FeeRule,
    FormExample,
    ItemSpec,
    LegalBasis,
    MaterialSpec,
    Problem,
    forms,
    hookimpl,
)

EXAMPLE_ITEM = ItemSpec(
    code="TEMPLATE-DEPT-0001",
    name="示例事项（请替换）",
    name_en="Example item (replace me)",
    version="0.1.0",
    item_type="public_service",
    department_kind="template_dept",
    legal_implementer="县级人民政府有关部门",
    legal_basis=(LegalBasis(title="《示例条例》", articles=("第一条",), level="regulation"),),
    conditions=("符合示例条件",),
    procedure=("申请", "受理", "办结"),
    statutory_days=10,
    promised_days=5,
    form=forms.form(
        {
            "applicant_name": forms.text("申请人姓名", "Applicant's name", max_length=50),
            "copies": forms.integer("份数", "Copies", minimum=1, maximum=10),
        },
        required=("applicant_name", "copies"),
        examples=(
            FormExample(name="正常申请", data={"applicant_name": "张三", "copies": 1}, valid=True),
            FormExample(
                name="份数过多",
                data={"applicant_name": "张三", "copies": 11},
                valid=False,
                errors=("copies",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="application_form", name="申请表"),
        MaterialSpec(
            code="extra_copies_reason",
            name="多份申请说明",
            required=False,
            required_when=F("copies") > 3,
        ),
    ),
    fees=(
        FeeRule(
            code="copy_fee",
            name="工本费",
            basis="《示例收费文件》（示例〔2026〕1号）",
            standard="每份10元",
            kind="per_unit",
            amount_fen=1000,
            unit_field="copies",
            unit_name="份",
        ),
    ),
    fee_examples=(FeeExample(name="两份", form={"copies": 2}, total_fen=2000),),
    keywords=("示例",),
    categories=("示例分类",),
)


@hookimpl
def govhall_items() -> list[ItemSpec]:
    return [EXAMPLE_ITEM]


@hookimpl
def govhall_validate_application(item: ItemSpec, form: dict[str, Any]) -> list[Problem]:
    if item.code == EXAMPLE_ITEM.code and form["applicant_name"].strip() == "测试":
        return [
            Problem(field="applicant_name", message="请填写真实姓名", message_en="Use a real name")
        ]
    return []
