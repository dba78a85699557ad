"""Items of the health commission (卫生健康委员会), declared for govhall.

公共场所卫生许可 follows 《公共场所卫生管理条例》第八条 and its implementing
rules (卫生部令第80号, 第二十二条: decided within 20 days of acceptance). The
健康证明 (preventive health examination of food and public-place workers,
《中华人民共和国食品安全法》第四十五条) is applied for by an employer for many
workers at once: the same fee for each, and — through ``govhall_adjust_fees`` —
one fee line, hence one receipt, per person.
"""

from __future__ import annotations

from typing import Any

import msgspec

from govhall.sdk import (
    FAQ,
    BatchCheck,
    BatchParam,
    F,
    FeeExample,
    FeeLine,
    FeeRule,
    FormExample,
    ItemSpec,
    LegalBasis,
    MaterialSpec,
    Problem,
    forms,
    hookimpl,
)

PUBLIC_PLACE_REGULATION = LegalBasis(
    title="《公共场所卫生管理条例》",
    articles=("第四条", "第八条"),
    level="regulation",
    document_number="国发〔1987〕24号，2019年修订",
)
PUBLIC_PLACE_RULES = LegalBasis(
    title="《公共场所卫生管理条例实施细则》",
    articles=("第二十二条", "第二十四条"),
    level="rule",
    document_number="原卫生部令第80号",
)

PUBLIC_PLACE_LICENCE = ItemSpec(
    code="WJ-GGCS-0001",
    name="公共场所卫生许可",
    name_en="Hygiene licence for a public place",
    version="2026.1",
    item_type="licensing",
    handling_kind="new",
    department_kind="health",
    legal_implementer="县级人民政府卫生健康行政部门",
    legal_basis=(PUBLIC_PLACE_REGULATION, PUBLIC_PLACE_RULES),
    conditions=(
        "场所选址、设计、装修符合卫生要求",
        "具有必要的卫生设施和卫生管理制度",
        "从业人员取得有效健康合格证明",
    ),
    procedure=("申请", "受理", "资料审查与现场审查", "作出许可决定", "发证"),
    statutory_days=20,
    promised_days=10,
    form=forms.form(
        {
            "unit_name": forms.text("单位名称", "Business name"),
            "credit_code": forms.credit_code(),
            "legal_representative": forms.text("法定代表人（负责人）", "Legal representative"),
            "phone": forms.phone(),
            "address": forms.text("经营地址", "Address", widget="address"),
            "place_kind": forms.choice(
                "场所类别",
                "Kind of place",
                options={
                    "hotel": ("宾馆、旅店", "Hotel"),
                    "bath": ("公共浴室", "Public bath"),
                    "beauty": ("美容美发场所", "Beauty salon"),
                    "pool": ("游泳场（馆）", "Swimming pool"),
                    "venue": ("体育场（馆）、影剧院", "Venue, cinema"),
                },
            ),
            "floor_area": forms.number("经营面积（平方米）", "Area (m²)", widget="area"),
            "employees": forms.integer("从业人员数", "Employees", minimum=1, maximum=5000),
            "central_air_conditioning": forms.boolean(
                "使用集中空调通风系统", "Central air conditioning"
            ),
        },
        required=(
            "unit_name",
            "credit_code",
            "legal_representative",
            "phone",
            "address",
            "place_kind",
            "floor_area",
            "employees",
        ),
        examples=(
            FormExample(
                name="宾馆",
                data={
                    "unit_name": "示范县迎宾宾馆有限公司",
                    "credit_code": "91110000600037341L",
                    "legal_representative": "钱七",
                    "phone": "0999-5557788",
                    "address": "城关镇迎宾路1号",
                    "place_kind": "hotel",
                    "floor_area": 2400,
                    "employees": 35,
                    "central_air_conditioning": True,
                },
                valid=True,
            ),
            FormExample(
                name="未知场所类别",
                data={
                    "unit_name": "示范县迎宾宾馆有限公司",
                    "credit_code": "91110000600037341L",
                    "legal_representative": "钱七",
                    "phone": "0999-5557788",
                    "address": "城关镇迎宾路1号",
                    "place_kind": "casino",
                    "floor_area": 2400,
                    "employees": 35,
                },
                valid=False,
                errors=("place_kind",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="application_form", name="公共场所卫生许可申请表"),
        MaterialSpec(
            code="business_licence",
            name="营业执照",
            source="e_certificate",
            certificate_type="营业执照",
        ),
        MaterialSpec(code="layout", name="公共场所地址方位示意图、平面图和卫生设施平面布局图"),
        MaterialSpec(code="hygiene_rules", name="公共场所卫生管理制度"),
        MaterialSpec(
            code="hygiene_test",
            name="公共场所卫生检测或者评价报告",
            supplementable=True,
            notes="可容缺受理，现场审查前补交",
        ),
        MaterialSpec(
            code="ventilation_test",
            name="集中空调通风系统卫生检测或者评价报告",
            required=False,
            required_when=F("central_air_conditioning").is_true(),
        ),
    ),
    fee_free=True,
    fee_free_basis="公共场所卫生许可不收费（《全国政府性基金和行政事业性收费目录清单》无此项收费）",
    place="县政务服务中心卫生健康窗口",
    hours="周一至周五 9:00—12:00，13:30—17:00（法定节假日除外）",
    result_name="公共场所卫生许可证",
    result_certificate="公共场所卫生许可证",
    # 卫生部令第80号 第二十五条: valid for four years.
    result_valid_years=4,
    annual_inspection=False,
    keywords=("卫生许可证", "宾馆", "美容美发", "游泳馆", "洗浴"),
    categories=("卫生健康", "开办企业"),
    audience=("enterprise", "individual"),
    scenarios=("我要开店/美容美发店", "我要开宾馆/卫生许可"),
    consultation_phone="0999-12320",
    complaint_phone="0999-12320",
    faqs=(
        FAQ(
            question="卫生许可证有效期多久？",
            answer="公共场所卫生许可证有效期限为四年，期满前30日申请延续。",
            question_en="How long is the licence valid?",
            answer_en="Four years; apply to renew 30 days before it expires.",
        ),
    ),
)

#: 示范省's standard for the preventive health examination, per person.
EXAM_FEE_FEN = 4500
EXAM_FEE_BASIS = (
    "《中华人民共和国食品安全法》第四十五条；"
    "示范省发展和改革委员会 示范省财政厅《关于从业人员预防性健康检查收费标准的通知》"
    "（示发改价格〔2024〕12号）"
)

HEALTH_CERTIFICATE = ItemSpec(
    code="WJ-JKZM-0001",
    name="从业人员预防性健康检查（健康证明）",
    name_en="Preventive health examination of workers (health certificate)",
    version="2026.1",
    item_type="public_service",
    handling_kind="new",
    department_kind="health",
    legal_implementer="县疾病预防控制中心",
    legal_basis=(
        LegalBasis(title="《中华人民共和国食品安全法》", articles=("第四十五条",)),
        PUBLIC_PLACE_RULES,
    ),
    conditions=("从事接触直接入口食品工作或公共场所直接为顾客服务的从业人员",),
    procedure=("单位网上批量预约", "按预约时间到体检点体检", "检查合格的出具健康证明"),
    statutory_days=7,
    promised_days=3,
    batch=True,
    batch_rows="workers",
    batch_checks=(
        BatchCheck(
            code="working_age",
            name="年龄在法定劳动年龄内",
            name_en="Of working age",
            rule=(F("age") >= F("param.min_age")) & (F("age") <= F("param.max_age")),
            params=(
                BatchParam(name="min_age", label="最低年龄", label_en="Lowest age", value=16),
                BatchParam(name="max_age", label="最高年龄", label_en="Highest age", value=65),
            ),
        ),
        BatchCheck(
            code="post_given",
            name="已填写岗位",
            name_en="Post given",
            rule=F("post").filled(),
        ),
    ),
    form=forms.form(
        {
            "employer": forms.text("用人单位名称", "Employer"),
            "credit_code": forms.credit_code("用人单位统一社会信用代码"),
            "contact_phone": forms.phone("联系人电话", "Contact phone"),
            "industry": forms.choice(
                "从业类别",
                "Trade",
                options={"food": ("食品", "Food"), "public_place": ("公共场所", "Public place")},
            ),
            "workers": {
                "type": "array",
                "title": "体检人员名单",
                "x-title-en": "Workers to examine",
                "x-widget": "checkboxes",
                "minItems": 1,
                "maxItems": 500,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "id_number"],
                    "properties": {
                        "name": {
                            "type": "string",
                            "minLength": 2,
                            "maxLength": 50,
                            "title": "姓名",
                            "x-title-en": "Name",
                        },
                        "id_number": {
                            "type": "string",
                            "pattern": r"^\d{17}[\dXx]$",
                            "x-format": "cn_resident_id",
                            "title": "身份证号码",
                            "x-title-en": "Resident ID number",
                        },
                        "post": {
                            "type": "string",
                            "maxLength": 50,
                            "title": "岗位",
                            "x-title-en": "Post",
                        },
                    },
                },
            },
        },
        required=("employer", "credit_code", "contact_phone", "industry", "workers"),
        examples=(
            FormExample(
                name="两名厨师",
                data={
                    "employer": "示范县好味餐饮有限公司",
                    "credit_code": "91110000600037341L",
                    "contact_phone": "13800138000",
                    "industry": "food",
                    "workers": [
                        {"name": "孙八", "id_number": "11010519491231002X", "post": "厨师"},
                        {"name": "周九", "id_number": "110105194912310038", "post": "帮厨"},
                    ],
                },
                valid=True,
            ),
            FormExample(
                name="空名单",
                data={
                    "employer": "示范县好味餐饮有限公司",
                    "credit_code": "91110000600037341L",
                    "contact_phone": "13800138000",
                    "industry": "food",
                    "workers": [],
                },
                valid=False,
                errors=("workers",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(
            code="worker_list",
            name="体检人员名单（加盖单位公章）",
            name_en="Stamped list of workers",
        ),
    ),
    fees=(
        FeeRule(
            code="health_exam",
            name="从业人员预防性健康检查费",
            name_en="Preventive health examination fee",
            basis=EXAM_FEE_BASIS,
            standard="每人45元（含体检和健康证明工本费）",
            kind="per_unit",
            amount_fen=EXAM_FEE_FEN,
            unit_field="workers",
            unit_name="人",
        ),
    ),
    fee_examples=(
        FeeExample(
            name="三名从业人员，每人一张收据",
            form={
                "workers": [
                    {"name": "孙八", "id_number": "11010519491231002X"},
                    {"name": "周九", "id_number": "110105194912310038"},
                    {"name": "吴十", "id_number": "110105198005150024"},
                ]
            },
            total_fen=13500,
        ),
    ),
    place="县疾病预防控制中心体检门诊",
    hours="周一至周五 8:00—11:30（空腹体检）",
    result_name="健康证明",
    result_certificate="健康证明",
    keywords=("健康证", "体检", "健康证明", "从业人员体检"),
    categories=("卫生健康",),
    audience=("enterprise",),
    scenarios=("我要开饭店/员工健康证",),
    consultation_phone="0999-12320",
    complaint_phone="0999-12320",
)

#: 延续: the same licence asked again 30 days before it expires (卫生部令第80号
#: 第二十五条; 行政许可法 第五十条); undecided at expiry it counts as renewed.
PUBLIC_PLACE_RENEWAL = msgspec.structs.replace(
    PUBLIC_PLACE_LICENCE,
    code="WJ-GGCS-0002",
    name="公共场所卫生许可证延续",
    name_en="Renewal of the public place hygiene licence",
    handling_kind="renew",
    parent_code=PUBLIC_PLACE_LICENCE.code,
    renews="公共场所卫生许可证",
    renewal_window_days=30,
    conditions=(
        "持有有效期内的公共场所卫生许可证",
        "在许可证有效期届满30日前提出延续申请",
        *PUBLIC_PLACE_LICENCE.conditions,
    ),
    keywords=("卫生许可证延续", "许可证到期", "换证"),
    scenarios=(),
    faqs=(),
)

ITEMS = (PUBLIC_PLACE_LICENCE, PUBLIC_PLACE_RENEWAL, HEALTH_CERTIFICATE)


@hookimpl
def govhall_items() -> list[ItemSpec]:
    return list(ITEMS)


def _masked(id_number: str) -> str:
    return f"{id_number[:6]}********{id_number[-4:]}"


@hookimpl
def govhall_adjust_fees(
    item: ItemSpec, form: dict[str, Any], lines: list[FeeLine]
) -> list[FeeLine] | None:
    """One line per worker, so that each person gets a receipt of their own."""
    if item.code != HEALTH_CERTIFICATE.code:
        return None
    per_person = []
    for index, worker in enumerate(form.get("workers", []), start=1):
        per_person.append(
            FeeLine(
                code=f"health_exam_{index:03d}",
                name=f"从业人员预防性健康检查费（{worker['name']} {_masked(worker['id_number'])}）",
                name_en=f"Health examination fee ({_masked(worker['id_number'])})",
                basis=EXAM_FEE_BASIS,
                standard="每人45元",
                quantity=1,
                gross_fen=EXAM_FEE_FEN,
                amount_fen=EXAM_FEE_FEN,
            )
        )
    return per_person


@hookimpl
def govhall_validate_application(item: ItemSpec, form: dict[str, Any]) -> list[Problem]:
    if item.code != HEALTH_CERTIFICATE.code:
        return []
    seen: set[str] = set()
    problems = []
    for index, worker in enumerate(form["workers"]):
        number = worker["id_number"].upper()
        if number in seen:
            problems.append(
                Problem(
                    field=f"workers.{index}.id_number",
                    message=f"名单第{index + 1}行的身份证号码与前面重复",
                    message_en=f"Row {index + 1} repeats an ID number listed above",
                )
            )
        seen.add(number)
    return problems
