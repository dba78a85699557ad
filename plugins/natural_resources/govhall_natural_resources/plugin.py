"""Items of the natural resources bureau (自然资源局), declared for govhall.

Fees follow 《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》
(发改价格规〔2016〕2559号); time limits follow 《不动产登记暂行条例》第二十条.
"""

from __future__ import annotations

import re
from typing import Any

from govhall.sdk import FeeRule, FormSpec, ItemSpec, MaterialSpec, Problem, hookimpl

FEE_BASIS = (
    "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）"
)

FIRST_REGISTRATION = ItemSpec(
    code="NR-BDC-0001",
    name="国有建设用地使用权及房屋所有权首次登记",
    name_en="First registration of state-owned construction land use right and building ownership",
    version="2026.1",
    item_type="confirmation",
    department_kind="natural_resources",
    legal_implementer="县级人民政府不动产登记机构",
    legal_basis=(
        "《中华人民共和国民法典》第二百零九条、第二百一十条",
        "《不动产登记暂行条例》第七条、第十四条",
        "《不动产登记暂行条例实施细则》第三十五条",
    ),
    conditions=(
        "已依法取得国有建设用地使用权",
        "房屋已经竣工验收并符合规划",
        "申请材料齐全、符合法定形式",
    ),
    procedure=("申请", "受理", "审核", "登簿", "发证"),
    statutory_days=30,
    promised_days=5,
    form=FormSpec(
        schema={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
            "required": ["applicant_name", "property_location", "property_use", "floor_area"],
            "properties": {
                "applicant_name": {
                    "type": "string",
                    "title": "权利人姓名或名称",
                    "x-title-en": "Owner's name",
                    "minLength": 2,
                    "maxLength": 100,
                },
                "property_location": {
                    "type": "string",
                    "title": "不动产坐落",
                    "x-title-en": "Property location",
                    "minLength": 6,
                    "maxLength": 200,
                },
                "property_use": {
                    "type": "string",
                    "title": "房屋用途",
                    "x-title-en": "Use of the building",
                    "enum": ["residential", "non_residential"],
                    "x-enum-titles": {"residential": "住宅", "non_residential": "非住宅"},
                    "x-enum-titles-en": {
                        "residential": "Residential",
                        "non_residential": "Non-residential",
                    },
                },
                "floor_area": {
                    "type": "number",
                    "title": "建筑面积（平方米）",
                    "x-title-en": "Floor area (m²)",
                    "exclusiveMinimum": 0,
                    "maximum": 1000000,
                },
                "extra_certificates": {
                    "type": "integer",
                    "title": "加发证书本数",
                    "x-title-en": "Additional certificate copies",
                    "minimum": 0,
                    "maximum": 20,
                    "default": 0,
                },
                "agent_applies": {
                    "type": "boolean",
                    "title": "委托代理人申请",
                    "x-title-en": "Applying through an agent",
                    "default": False,
                },
            },
        },
        ui={
            "order": [
                "applicant_name",
                "property_location",
                "property_use",
                "floor_area",
                "extra_certificates",
                "agent_applies",
            ]
        },
    ),
    materials=(
        MaterialSpec(
            code="application_form",
            name="不动产登记申请书",
            name_en="Real estate registration application form",
        ),
        MaterialSpec(
            code="identity_proof",
            name="申请人身份证明",
            name_en="Applicant's identity document",
        ),
        MaterialSpec(
            code="power_of_attorney",
            name="授权委托书及代理人身份证明",
            name_en="Power of attorney and the agent's identity document",
            required=False,
            notes="委托代理人申请时提交",
        ),
    ),
    fees=(
        FeeRule(
            code="residential_registration",
            name="住宅类不动产登记费",
            name_en="Registration fee, residential",
            basis=FEE_BASIS,
            standard="住宅类不动产登记收费标准为每件80元（含第一本证书工本费）",
            amount_fen=8000,
            when={"property_use": "residential"},
        ),
        FeeRule(
            code="non_residential_registration",
            name="非住宅类不动产登记费",
            name_en="Registration fee, non-residential",
            basis=FEE_BASIS,
            standard="非住宅类不动产登记收费标准为每件550元（含第一本证书工本费）",
            amount_fen=55000,
            when={"property_use": "non_residential"},
        ),
        FeeRule(
            code="extra_certificate",
            name="证书工本费",
            name_en="Certificate production fee",
            basis=FEE_BASIS,
            standard="每增加一本证书加收证书工本费10元",
            kind="per_unit",
            amount_fen=1000,
            unit_field="extra_certificates",
        ),
    ),
    result_name="不动产权证书",
    keywords=("不动产", "房产证", "首次登记", "房屋登记"),
    categories=("住房管理", "国土资源"),
    audience=("individual", "enterprise"),
    consultation_phone="0999-12345",
    complaint_phone="0999-12345",
)

# A building address names a road or village and a house number (门牌号).
_HOUSE_NUMBER = re.compile(r"\d+\s*(号|栋|幢|号楼|室)")


@hookimpl
def govhall_items() -> list[ItemSpec]:
    return [FIRST_REGISTRATION]


@hookimpl
def govhall_validate_application(item: ItemSpec, form: dict[str, Any]) -> list[Problem]:
    if item.code != FIRST_REGISTRATION.code:
        return []
    location = str(form.get("property_location", ""))
    if not _HOUSE_NUMBER.search(location):
        return [
            Problem(
                field="property_location",
                message="不动产坐落应写明门牌号，例如“城关镇解放路12号”",
                message_en="The property location must include a house number, "
                "e.g. 'No. 12 Jiefang Road, Chengguan Town'",
            )
        ]
    return []
