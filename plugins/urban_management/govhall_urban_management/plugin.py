"""Items of the urban management bureau (城市管理局), declared for govhall.

Temporary occupation of city roads follows 《城市道路管理条例》第三十一条; the
permit for disposing of construction waste follows 《城市建筑垃圾管理规定》（建设部
令第139号）第七条. Unauthorised road occupation is fined under 第四十二条 of the
regulation ("可以处以2万元以下的罚款"); the amount is bounded by 示范省's
published discretionary standard with 从轻 / 一般 / 从重 bands, which the deciding
step checks (R-P5, R-W6).
"""

from __future__ import annotations

from govhall.sdk import (
    FAQ,
    CrossCheck,
    DiscretionBand,
    DiscretionExample,
    DiscretionStandard,
    F,
    FlowAction,
    FlowStep,
    FlowTemplate,
    FormExample,
    ItemSpec,
    LegalBasis,
    MaterialSpec,
    forms,
    hookimpl,
)

ROAD_REGULATION = LegalBasis(
    title="《城市道路管理条例》",
    articles=("第三十一条", "第三十二条", "第四十二条"),
    level="regulation",
    document_number="国务院令第198号，2019年修订",
)
PLACE = "县政务服务中心城市管理窗口"
HOURS = "周一至周五 9:00—12:00，13:30—17:00（法定节假日除外）"

_OCCUPATION_EXAMPLE = {
    "applicant_name": "示范建工集团有限公司",
    "phone": "0999-5550000",
    "location": "城关镇人民路100号门前人行道",
    "purpose": "construction",
    "area": 30,
    "start_date": "2026-12-01",
    "end_date": "2026-12-20",
}

ROAD_OCCUPATION = ItemSpec(
    code="CG-ZDXK-0001",
    name="临时占用城市道路审批",
    name_en="Permit for temporary occupation of a city road",
    version="2026.1",
    item_type="licensing",
    handling_kind="new",
    department_kind="urban_management",
    legal_implementer="县级人民政府城市管理主管部门",
    legal_basis=(ROAD_REGULATION,),
    conditions=(
        "因特殊情况确需临时占用城市道路",
        "占用期满后能恢复城市道路原状",
        "占用城市道路须经公安交通管理部门同意的，已取得其同意",
    ),
    procedure=("申请", "受理", "现场勘查", "作出许可决定"),
    statutory_days=20,
    promised_days=5,
    form=forms.form(
        {
            "applicant_name": forms.text("申请人（单位）", "Applicant"),
            "phone": forms.phone(),
            "location": forms.text("占用地点", "Location", widget="address"),
            "purpose": forms.choice(
                "占用用途",
                "Purpose",
                options={
                    "construction": ("施工作业", "Construction works"),
                    "event": ("临时活动", "Temporary event"),
                    "material_storage": ("堆放物料", "Storing materials"),
                },
            ),
            "area": forms.number("占用面积（平方米）", "Area (m²)", maximum=2000, widget="area"),
            "start_date": forms.date("占用开始日期", "From"),
            "end_date": forms.date("占用结束日期", "Until"),
        },
        required=tuple(_OCCUPATION_EXAMPLE),
        checks=(
            CrossCheck(
                rule=F("end_date") >= F("start_date"),
                field="end_date",
                message="占用结束日期不能早于开始日期",
                message_en="The end date cannot be before the start date",
            ),
        ),
        examples=(
            FormExample(name="施工占道20天", data=_OCCUPATION_EXAMPLE, valid=True),
            FormExample(
                name="结束早于开始",
                data={**_OCCUPATION_EXAMPLE, "end_date": "2026-11-01"},
                valid=False,
                errors=("end_date",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="application_form", name="临时占用城市道路申请表"),
        MaterialSpec(code="site_plan", name="占道位置平面示意图"),
        MaterialSpec(
            code="traffic_consent",
            name="公安交通管理部门意见",
            source="data_sharing",
            required=False,
            notes="并联征求，无需申请人提交",
        ),
    ),
    fee_free=True,
    fee_free_basis="示范省已停征城市道路占用费（示财税〔2020〕5号），本事项不收费",
    place=PLACE,
    hours=HOURS,
    result_name="临时占用城市道路许可决定书",
    keywords=("占道", "占用道路", "挖路", "临时占道"),
    categories=("城市管理",),
    audience=("individual", "enterprise"),
    scenarios=("我要建项目/临时占道",),
    consultation_phone="0999-12319",
    complaint_phone="0999-12319",
)

CONSTRUCTION_WASTE = ItemSpec(
    code="CG-JZLJ-0001",
    name="城市建筑垃圾处置核准",
    name_en="Approval of construction waste disposal",
    version="2026.1",
    item_type="licensing",
    handling_kind="new",
    department_kind="urban_management",
    legal_implementer="县级人民政府城市管理主管部门",
    legal_basis=(
        LegalBasis(
            title="《国务院对确需保留的行政审批项目设定行政许可的决定》",
            articles=("第101项",),
            level="regulation",
            document_number="国务院令第412号",
        ),
        LegalBasis(
            title="《城市建筑垃圾管理规定》",
            articles=("第七条",),
            level="rule",
            document_number="建设部令第139号",
        ),
    ),
    conditions=("提交建筑垃圾处置方案", "有消纳场所", "运输单位具备相应条件"),
    procedure=("申请", "受理", "审查", "作出核准决定"),
    statutory_days=20,
    promised_days=5,
    form=forms.form(
        {
            "applicant_name": forms.text("建设（施工）单位", "Builder or contractor"),
            "credit_code": forms.credit_code(),
            "project_name": forms.text("工程名称", "Project"),
            "volume_m3": forms.number("建筑垃圾数量（立方米）", "Volume (m³)"),
            "destination": forms.text("消纳场所", "Disposal site"),
            "carrier": forms.text("运输单位", "Carrier"),
        },
        required=(
            "applicant_name",
            "credit_code",
            "project_name",
            "volume_m3",
            "destination",
            "carrier",
        ),
        examples=(
            FormExample(
                name="教学楼工地",
                data={
                    "applicant_name": "示范建工集团有限公司",
                    "credit_code": "91110000600037341L",
                    "project_name": "示范县第一中学教学楼",
                    "volume_m3": 3500,
                    "destination": "示范县建筑垃圾消纳场",
                    "carrier": "示范县清运有限公司",
                },
                valid=True,
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="disposal_plan", name="建筑垃圾处置方案"),
        MaterialSpec(code="site_agreement", name="与消纳场所签订的消纳协议"),
        MaterialSpec(code="carrier_contract", name="与运输单位签订的运输合同"),
    ),
    fee_free=True,
    fee_free_basis="城市建筑垃圾处置核准不收费（《全国政府性基金和行政事业性收费目录清单》无此项收费）",
    place=PLACE,
    hours=HOURS,
    result_name="城市建筑垃圾处置核准决定书",
    keywords=("建筑垃圾", "渣土", "清运"),
    categories=("城市管理", "工程建设项目审批"),
    audience=("enterprise",),
    scenarios=("我要建项目/渣土清运",),
    consultation_phone="0999-12319",
    complaint_phone="0999-12319",
)

FINE_STANDARD = DiscretionStandard(
    code="road_occupation_fine",
    name="擅自占用城市道路罚款裁量基准",
    name_en="Discretionary standard for fines for unauthorised road occupation",
    basis="《城市道路管理条例》第四十二条；《示范省城市管理行政处罚自由裁量权基准》"
    "（示城管发〔2024〕3号）",
    subject="amount",
    unit="元",
    field="fine_fen",
    low=0,
    high=2000000,
    bands=(
        DiscretionBand(
            key="heavier",
            name="从重",
            name_en="Heavier",
            low=1000001,
            high=2000000,
            circumstances=("占用面积50平方米以上", "拒不改正或者一年内再次违法"),
            when=(F("area") >= 50)
            | F("repeat_offence").is_true()
            | F("refused_to_correct").is_true(),
        ),
        DiscretionBand(
            key="lighter",
            name="从轻",
            name_en="Lighter",
            low=0,
            high=500000,
            circumstances=("占用面积10平方米以下", "首次违法且及时改正"),
            when=(F("area") < 10) & F("corrected_promptly").is_true(),
        ),
        DiscretionBand(
            key="ordinary",
            name="一般",
            name_en="Ordinary",
            low=500001,
            high=1000000,
            circumstances=("不属于从轻、从重情形的",),
        ),
    ),
    default_band="ordinary",
    examples=(
        DiscretionExample(
            name="小面积及时改正，罚2000元",
            facts={"area": 6, "corrected_promptly": True},
            proposed=200000,
            band="lighter",
            outcome="ok",
        ),
        DiscretionExample(
            name="一般情形罚3000元（低于该档）",
            facts={"area": 20},
            proposed=300000,
            band="ordinary",
            outcome="needs_reason",
        ),
        DiscretionExample(
            name="拒不改正罚1.5万元",
            facts={"area": 20, "refused_to_correct": True},
            proposed=1500000,
            band="heavier",
            outcome="ok",
        ),
        DiscretionExample(
            name="超过法定上限",
            facts={"area": 80},
            proposed=2500000,
            band="heavier",
            outcome="blocked",
        ),
    ),
)

ROAD_OCCUPATION_PENALTY = ItemSpec(
    code="CG-CF-0001",
    name="对擅自占用城市道路的行政处罚",
    name_en="Penalty for unauthorised occupation of a city road",
    version="2026.1",
    item_type="other_power",
    handling_kind="other",
    department_kind="urban_management",
    legal_implementer="县级人民政府城市管理主管部门（综合行政执法部门）",
    legal_basis=(ROAD_REGULATION,),
    conditions=("当事人未经批准擅自占用城市道路",),
    procedure=("立案", "调查取证", "告知陈述申辩权利", "审核", "作出处罚决定", "送达执行"),
    statutory_days=60,
    promised_days=30,
    form=forms.form(
        {
            "party_name": forms.text("当事人", "Party"),
            "location": forms.text("违法地点", "Place", widget="address"),
            "area": forms.number("占用面积（平方米）", "Area occupied (m²)"),
            "found_date": forms.date("发现日期", "Found on"),
            "corrected_promptly": forms.boolean("责令后及时改正", "Corrected when told"),
            "refused_to_correct": forms.boolean("拒不改正", "Refused to correct"),
            "repeat_offence": forms.boolean("一年内再次违法", "Repeat offence within a year"),
        },
        required=("party_name", "location", "area", "found_date"),
        examples=(
            FormExample(
                name="店外堆物",
                data={
                    "party_name": "城关镇某某超市",
                    "location": "城关镇人民路20号门前",
                    "area": 12,
                    "found_date": "2026-11-20",
                },
                valid=True,
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="inspection_record", name="现场检查（勘验）笔录及照片"),
        MaterialSpec(code="inquiry_record", name="询问笔录", required=False),
    ),
    fee_free=True,
    fee_free_basis="行政处罚程序不收取费用；罚款依法上缴国库，不属于收费",
    discretion=(FINE_STANDARD,),
    flow=FlowTemplate(
        key="penalty",
        steps=(
            FlowStep(
                key="accept",
                name="立案",
                name_en="Opening the case",
                role="clerk",
                actions=(
                    FlowAction(name="accept", status="accepted"),
                    FlowAction(name="reject", goto="end", status="rejected", opinion_required=True),
                ),
            ),
            FlowStep(
                key="handle",
                name="调查取证",
                name_en="Investigation",
                role="handler",
                actions=(FlowAction(name="pass", status="reviewing"),),
            ),
            FlowStep(
                key="approve",
                name="审核决定",
                name_en="Decision",
                role="approver",
                discretion=("road_occupation_fine",),
                actions=(
                    FlowAction(name="approve", status="approved", decision="approved"),
                    FlowAction(
                        name="deny", status="denied", decision="denied", opinion_required=True
                    ),
                ),
            ),
            FlowStep(
                key="conclude",
                name="送达执行",
                name_en="Service and enforcement",
                role="handler",
                actions=(FlowAction(name="conclude", goto="end", status="concluded"),),
            ),
        ),
    ),
    place=PLACE,
    result_name="行政处罚决定书",
    keywords=("占道经营", "乱摆乱放", "城管罚款", "占道处罚"),
    categories=("城市管理", "行政执法"),
    audience=("individual", "enterprise"),
    consultation_phone="0999-12319",
    complaint_phone="0999-12345",
    faqs=(
        FAQ(
            question="对处罚决定不服怎么办？",
            answer="可以在收到处罚决定书之日起六十日内申请行政复议，或者六个月内提起行政诉讼。",
            question_en="What if I disagree with the penalty?",
            answer_en="Apply for administrative review within 60 days, or sue within six months.",
        ),
    ),
)

ITEMS = (ROAD_OCCUPATION, CONSTRUCTION_WASTE, ROAD_OCCUPATION_PENALTY)


@hookimpl
def govhall_items() -> list[ItemSpec]:
    return list(ITEMS)
