"""Items of the market regulation bureau (市场监督管理局), declared for govhall.

Registration of individual businesses follows 《促进个体工商户发展条例》（国务院令
第755号） and 《市场主体登记管理条例》（国务院令第746号）: materials complete and
in legal form are registered on the spot, otherwise within 3 working days
(第十九条). Registration fees were abolished by 财税〔2017〕20号. Food business
licences follow 《中华人民共和国食品安全法》第三十五条 and 《食品经营许可和备案
管理办法》（国家市场监督管理总局令第78号）.
"""

from __future__ import annotations

from typing import Any

from govhall.sdk import (
    FAQ,
    ConditionalField,
    F,
    FormExample,
    ItemSpec,
    LegalBasis,
    MaterialSpec,
    Problem,
    forms,
    hookimpl,
)

NO_FEE = (
    "《财政部 国家发展改革委关于清理规范一批行政事业性收费有关政策的通知》"
    "（财税〔2017〕20号）停征工商登记费，登记不收费"
)
PROMOTION_REGULATION = LegalBasis(
    title="《促进个体工商户发展条例》",
    articles=("第八条",),
    level="regulation",
    document_number="国务院令第755号",
)
REGISTRATION_REGULATION = LegalBasis(
    title="《中华人民共和国市场主体登记管理条例》",
    articles=("第三条", "第十七条", "第十九条"),
    level="regulation",
    document_number="国务院令第746号",
)
IMPLEMENTING_RULES = LegalBasis(
    title="《中华人民共和国市场主体登记管理条例实施细则》",
    level="rule",
    document_number="国家市场监督管理总局令第52号",
)
IMPLEMENTER = "县级市场监督管理部门（可委托市场监督管理所办理）"
PLACE = "县政务服务中心市场监管窗口，或各乡镇市场监督管理所"
HOURS = "周一至周五 9:00—12:00，13:30—17:00（法定节假日除外）"

_OPERATOR = {
    "operator_name": forms.text("经营者姓名", "Operator's name", max_length=50),
    "id_number": forms.id_number("经营者身份证号码", "Operator's resident ID number"),
    "phone": forms.phone(),
}
_OPERATOR_EXAMPLE = {
    "operator_name": "王五",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
}

OPEN_BUSINESS = ItemSpec(
    code="SC-GTGS-0001",
    name="个体工商户设立登记",
    name_en="Registration of an individual business",
    version="2026.1",
    item_type="licensing",
    parent_code="SC-GTGS",
    handling_kind="new",
    department_kind="market_regulation",
    legal_implementer=IMPLEMENTER,
    legal_basis=(PROMOTION_REGULATION, REGISTRATION_REGULATION, IMPLEMENTING_RULES),
    conditions=(
        "有经营能力的自然人，以个人或家庭经营",
        "有固定的经营场所，且经营场所可以用于经营",
        "经营范围不属于法律、行政法规禁止的项目",
    ),
    procedure=("网上申报或窗口申请", "形式审查", "当场登记或3个工作日内登记", "领取营业执照"),
    statutory_days=3,
    promised_days=1,
    visits=0,
    form=forms.form(
        {
            **_OPERATOR,
            "organisation": forms.choice(
                "组成形式",
                "Form",
                options={
                    "individual": ("个人经营", "Individual"),
                    "family": ("家庭经营", "Family"),
                },
                widget="radio",
            ),
            "family_members": forms.text(
                "参加经营的家庭成员姓名",
                "Family members taking part",
                widget="textarea",
                help="多人请用顿号分隔",
            ),
            "business_name": forms.text(
                "个体工商户名称",
                "Business name",
                min_length=0,
                max_length=60,
                help="可以不起字号名称",
                help_en="A business may register without a trade name",
            ),
            "business_scope": forms.text("经营范围", "Business scope", widget="textarea"),
            "premises": forms.text("经营场所", "Premises", widget="address"),
            "capital_wan": forms.number(
                "资金数额（万元）", "Capital (10,000 yuan)", maximum=100000
            ),
            "employees": forms.integer("从业人数", "Employees", minimum=1, maximum=1000),
        },
        required=(
            "operator_name",
            "id_number",
            "phone",
            "organisation",
            "business_scope",
            "premises",
            "capital_wan",
            "employees",
        ),
        conditional=(ConditionalField(field="family_members", when=F("organisation") == "family"),),
        examples=(
            FormExample(
                name="个人经营小吃店",
                data={
                    **_OPERATOR_EXAMPLE,
                    "organisation": "individual",
                    "business_name": "城关镇王五小吃店",
                    "business_scope": "小餐饮",
                    "premises": "城关镇人民路8号",
                    "capital_wan": 5,
                    "employees": 2,
                },
                valid=True,
            ),
            FormExample(
                name="家庭经营未写家庭成员",
                data={
                    **_OPERATOR_EXAMPLE,
                    "organisation": "family",
                    "business_scope": "日用百货零售",
                    "premises": "城关镇人民路8号",
                    "capital_wan": 5,
                    "employees": 2,
                },
                valid=False,
                errors=("family_members",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(
            code="application_form",
            name="个体工商户登记（备案）申请书",
            name_en="Application form for individual business registration",
        ),
        MaterialSpec(
            code="operator_identity",
            name="经营者身份证明",
            name_en="Operator's identity document",
            source="e_certificate",
            certificate_type="居民身份证",
        ),
        MaterialSpec(
            code="premises_proof",
            name="经营场所使用证明",
            name_en="Proof of the right to use the premises",
            supplementable=True,
            notes="可容缺受理，领照前补交",
            notes_en="May follow later (accepted with a gap), before the licence is issued",
        ),
        MaterialSpec(
            code="family_relation",
            name="家庭成员关系证明",
            name_en="Proof of family relationship",
            required=False,
            required_when=F("organisation") == "family",
        ),
    ),
    fee_free=True,
    fee_free_basis=NO_FEE,
    annual_inspection=True,
    annual_inspection_note="每年1月1日至6月30日报送上一年度年度报告",
    place=PLACE,
    hours=HOURS,
    result_name="营业执照",
    result_certificate="营业执照",
    faqs=(
        FAQ(
            question="个体工商户必须起名字吗？",
            answer="不是必须的，可以不使用名称，营业执照名称栏以经营者姓名登记。",
            question_en="Must an individual business have a name?",
            answer_en="No; without one the licence shows the operator's name.",
        ),
        FAQ(
            question="开店需要交登记费吗？",
            answer="不需要。自2017年4月1日起停征工商登记费。",
            question_en="Is there a registration fee?",
            answer_en="No, registration fees were abolished on 1 April 2017.",
        ),
    ),
    keywords=("开店", "个体户", "营业执照", "个体工商户", "摆摊", "开饭店"),
    categories=("市场主体登记", "开办企业"),
    audience=("individual",),
    scenarios=("我要开店/个体经营", "我要开饭店/办理执照"),
    consultation_phone="0999-12315",
    complaint_phone="0999-12315",
)

CHANGE_BUSINESS = ItemSpec(
    code="SC-GTGS-0002",
    name="个体工商户变更登记",
    name_en="Change of an individual business's registration",
    version="2026.1",
    item_type="licensing",
    parent_code="SC-GTGS",
    handling_kind="change",
    department_kind="market_regulation",
    legal_implementer=IMPLEMENTER,
    legal_basis=(
        PROMOTION_REGULATION,
        LegalBasis(
            title="《中华人民共和国市场主体登记管理条例》",
            articles=("第二十四条", "第二十五条"),
            level="regulation",
            document_number="国务院令第746号",
        ),
    ),
    conditions=(
        "登记事项发生变更的，应当自作出变更决议、决定或者法定变更事项发生之日起30日内申请",
    ),
    procedure=("申请", "形式审查", "变更登记", "换发营业执照"),
    statutory_days=3,
    promised_days=1,
    visits=0,
    form=forms.form(
        {
            **_OPERATOR,
            "credit_code": forms.credit_code(),
            "change": forms.choice(
                "变更事项",
                "What changes",
                options={
                    "name": ("名称", "Name"),
                    "scope": ("经营范围", "Business scope"),
                    "premises": ("经营场所", "Premises"),
                    "operator": ("经营者（转为个人或家庭成员变更）", "Operator"),
                },
            ),
            "new_value": forms.text("变更后内容", "New value", widget="textarea"),
        },
        required=("operator_name", "id_number", "phone", "credit_code", "change", "new_value"),
        examples=(
            FormExample(
                name="变更经营场所",
                data={
                    **_OPERATOR_EXAMPLE,
                    "credit_code": "91110000600037341L",
                    "change": "premises",
                    "new_value": "城关镇解放路20号",
                },
                valid=True,
            ),
            FormExample(
                name="信用代码校验位错误",
                data={
                    **_OPERATOR_EXAMPLE,
                    "credit_code": "91110000600037341A",
                    "change": "premises",
                    "new_value": "城关镇解放路20号",
                },
                valid=False,
                errors=("credit_code",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="application_form", name="个体工商户变更登记申请书"),
        MaterialSpec(
            code="premises_proof",
            name="新经营场所使用证明",
            required=False,
            required_when=F("change") == "premises",
        ),
    ),
    fee_free=True,
    fee_free_basis=NO_FEE,
    place=PLACE,
    hours=HOURS,
    result_name="营业执照（换发）",
    result_certificate="营业执照",
    keywords=("个体户变更", "营业执照变更", "换地址", "改名字"),
    categories=("市场主体登记",),
    audience=("individual",),
    scenarios=("我要开店/变更登记",),
    consultation_phone="0999-12315",
    complaint_phone="0999-12315",
)

CLOSE_BUSINESS = ItemSpec(
    code="SC-GTGS-0003",
    name="个体工商户注销登记",
    name_en="Deregistration of an individual business",
    version="2026.1",
    item_type="licensing",
    parent_code="SC-GTGS",
    handling_kind="cancel",
    department_kind="market_regulation",
    legal_implementer=IMPLEMENTER,
    legal_basis=(
        LegalBasis(
            title="《中华人民共和国市场主体登记管理条例》",
            articles=("第三十一条", "第三十三条"),
            level="regulation",
            document_number="国务院令第746号",
        ),
    ),
    conditions=(
        "已停止经营，无未结清的债权债务",
        "申请简易注销的，未发生债权债务或者已将债权债务清偿完结，经国家企业信用信息公示系统公示20日无异议",
    ),
    procedure=("申请（简易注销须先公示20日）", "形式审查", "注销登记", "缴回营业执照"),
    statutory_days=3,
    promised_days=1,
    visits=0,
    form=forms.form(
        {
            **_OPERATOR,
            "credit_code": forms.credit_code(),
            "simplified": forms.boolean("申请简易注销", "Simplified deregistration", default=True),
            "notice_end_date": forms.date("简易注销公示期满日期", "End of the public notice"),
            "reason": forms.text("注销原因", "Reason", widget="textarea"),
        },
        required=("operator_name", "id_number", "phone", "credit_code", "reason"),
        conditional=(ConditionalField(field="notice_end_date", when=F("simplified").is_true()),),
        examples=(
            FormExample(
                name="简易注销",
                data={
                    **_OPERATOR_EXAMPLE,
                    "credit_code": "91110000600037341L",
                    "simplified": True,
                    "notice_end_date": "2026-11-01",
                    "reason": "不再经营",
                },
                valid=True,
            ),
            FormExample(
                name="日期格式错误",
                data={
                    **_OPERATOR_EXAMPLE,
                    "credit_code": "91110000600037341L",
                    "simplified": True,
                    "notice_end_date": "2026/11/01",
                    "reason": "不再经营",
                },
                valid=False,
                errors=("notice_end_date",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="application_form", name="个体工商户注销登记申请书"),
        MaterialSpec(
            code="commitment",
            name="全体投资人承诺书",
            required=False,
            required_when=F("simplified").is_true(),
            notes="简易注销时提交",
        ),
    ),
    fee_free=True,
    fee_free_basis=NO_FEE,
    place=PLACE,
    hours=HOURS,
    result_name="准予注销登记通知书",
    keywords=("个体户注销", "关店", "营业执照注销", "不干了"),
    categories=("市场主体登记",),
    audience=("individual",),
    scenarios=("我要开店/注销登记",),
    consultation_phone="0999-12315",
    complaint_phone="0999-12315",
)

FOOD_BUSINESS = ItemSpec(
    code="SC-SPJY-0001",
    name="食品经营许可",
    name_en="Food business licence",
    version="2026.1",
    item_type="licensing",
    handling_kind="new",
    department_kind="market_regulation",
    legal_implementer="县级市场监督管理部门",
    legal_basis=(
        LegalBasis(title="《中华人民共和国食品安全法》", articles=("第三十五条",)),
        LegalBasis(
            title="《食品经营许可和备案管理办法》",
            articles=("第十二条", "第二十六条"),
            level="rule",
            document_number="国家市场监督管理总局令第78号",
        ),
    ),
    conditions=(
        "具有与经营的食品品种、数量相适应的经营场所，保持场所环境整洁",
        "具有与经营的食品品种、数量相适应的设备或者设施",
        "有专职或者兼职的食品安全管理人员和保证食品安全的规章制度",
    ),
    procedure=("申请", "受理", "审查（必要时现场核查）", "作出许可决定", "发证"),
    statutory_days=10,
    promised_days=5,
    form=forms.form(
        {
            "operator_name": forms.text("经营者名称", "Business name"),
            "credit_code": forms.credit_code(),
            "legal_representative": forms.text("法定代表人（负责人）", "Legal representative"),
            "phone": forms.phone(),
            "premises": forms.text("经营场所", "Premises", widget="address"),
            "catering": forms.boolean("从事餐饮服务", "Catering"),
            "seats": forms.integer("就餐座位数", "Seats", maximum=5000),
            "kitchen_area": forms.number("加工经营场所面积（平方米）", "Kitchen area (m²)"),
            "sells_bulk_food": forms.boolean("销售散装食品", "Sells unpacked food"),
        },
        required=("operator_name", "credit_code", "legal_representative", "phone", "premises"),
        conditional=(
            ConditionalField(field="seats", when=F("catering").is_true()),
            ConditionalField(field="kitchen_area", when=F("catering").is_true()),
        ),
        examples=(
            FormExample(
                name="餐馆",
                data={
                    "operator_name": "示范县好味餐饮有限公司",
                    "credit_code": "91110000600037341L",
                    "legal_representative": "赵六",
                    "phone": "0999-5551234",
                    "premises": "城关镇人民路18号",
                    "catering": True,
                    "seats": 40,
                    "kitchen_area": 35.5,
                },
                valid=True,
            ),
            FormExample(
                name="餐饮未填座位数",
                data={
                    "operator_name": "示范县好味餐饮有限公司",
                    "credit_code": "91110000600037341L",
                    "legal_representative": "赵六",
                    "phone": "0999-5551234",
                    "premises": "城关镇人民路18号",
                    "catering": True,
                    "kitchen_area": 35.5,
                },
                valid=False,
                errors=("seats",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="application_form", name="食品经营许可申请书"),
        MaterialSpec(
            code="layout",
            name="与食品经营相适应的主要设备设施、经营布局、操作流程等文件",
            required=False,
            required_when=F("catering").is_true(),
        ),
        MaterialSpec(code="safety_rules", name="食品安全自查、从业人员健康管理等食品安全规章制度"),
    ),
    fee_free=True,
    fee_free_basis="食品经营许可不收费（《全国政府性基金和行政事业性收费目录清单》无此项收费）",
    place=PLACE,
    hours=HOURS,
    result_name="食品经营许可证",
    result_certificate="食品经营许可证",
    keywords=("食品经营许可证", "餐饮许可", "开饭店", "卖食品"),
    categories=("食品安全", "开办企业"),
    audience=("individual", "enterprise"),
    scenarios=("我要开饭店/食品经营许可",),
    consultation_phone="0999-12315",
    complaint_phone="0999-12315",
)

ITEMS = (OPEN_BUSINESS, CHANGE_BUSINESS, CLOSE_BUSINESS, FOOD_BUSINESS)

#: Business scopes that need a licence first and cannot be registered online alone.
_LICENSED_FIRST = ("烟花爆竹", "危险化学品", "民用爆炸物品")


@hookimpl
def govhall_items() -> list[ItemSpec]:
    return list(ITEMS)


@hookimpl
def govhall_validate_application(item: ItemSpec, form: dict[str, Any]) -> list[Problem]:
    if item.code != OPEN_BUSINESS.code:
        return []
    scope = str(form.get("business_scope", ""))
    restricted = [word for word in _LICENSED_FIRST if word in scope]
    if restricted:
        return [
            Problem(
                field="business_scope",
                message=f"经营范围含“{'、'.join(restricted)}”，须先取得许可，请到窗口办理",
                message_en="The business scope needs a prior licence; please apply at the window",
            )
        ]
    return []
