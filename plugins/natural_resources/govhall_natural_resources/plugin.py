"""Items of the natural resources bureau (自然资源局) and of towns for rural
homesteads (农村宅基地), declared for govhall.

Registration fees follow 《国家发展改革委 财政部关于不动产登记收费标准等有关问题的
通知》（发改价格规〔2016〕2559号）; time limits follow 《不动产登记暂行条例》第二十条.
Homestead approval follows 《农业农村部 自然资源部关于规范农村宅基地审批管理的通知》
（农经发〔2019〕6号）, handled by the town government (乡镇人民政府).
"""

from __future__ import annotations

import re
from typing import Any

from govhall.sdk import (
    FAQ,
    ConditionalField,
    F,
    FeeExample,
    FeeReduction,
    FeeRule,
    FormExample,
    ItemSpec,
    LegalBasis,
    MaterialSpec,
    Problem,
    RiskPoint,
    forms,
    hookimpl,
)

FEE_BASIS = (
    "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）"
)
SMALL_BUSINESS_BASIS = (
    "《财政部 国家发展改革委关于减免部分行政事业性收费有关政策的通知》（财税〔2019〕45号）"
)

FIRST_REGISTRATION = ItemSpec(
    code="NR-BDC-0001",
    name="国有建设用地使用权及房屋所有权首次登记",
    name_en="First registration of state-owned construction land use right and building ownership",
    version="2026.2",
    item_type="confirmation",
    department_kind="natural_resources",
    legal_implementer="县级人民政府不动产登记机构",
    legal_basis=(
        LegalBasis(title="《中华人民共和国民法典》", articles=("第二百零九条", "第二百一十条")),
        LegalBasis(
            title="《不动产登记暂行条例》",
            articles=("第七条", "第十四条", "第二十条"),
            level="regulation",
            document_number="国务院令第656号",
        ),
        LegalBasis(
            title="《不动产登记暂行条例实施细则》",
            articles=("第三十五条",),
            level="rule",
            document_number="自然资源部令第5号",
        ),
    ),
    conditions=(
        "已依法取得国有建设用地使用权",
        "房屋已经竣工验收并符合规划",
        "申请材料齐全、符合法定形式",
    ),
    procedure=("申请", "受理", "审核", "登簿", "发证"),
    statutory_days=30,
    promised_days=5,
    form=forms.form(
        {
            "applicant_name": forms.text("权利人姓名或名称", "Owner's name", min_length=2),
            "property_location": forms.text(
                "不动产坐落",
                "Property location",
                min_length=6,
                help="写明街道（村）和门牌号",
                help_en="Street or village and house number",
                widget="address",
            ),
            "property_use": forms.choice(
                "房屋用途",
                "Use of the building",
                options={
                    "residential": ("住宅", "Residential"),
                    "non_residential": ("非住宅", "Non-residential"),
                },
                widget="radio",
            ),
            "affordable_housing": forms.boolean(
                "保障性住房", "Affordable (social) housing", help="廉租住房、公共租赁住房等"
            ),
            "small_micro_enterprise": forms.boolean(
                "申请人为小微企业", "Applicant is a small or micro enterprise"
            ),
            "floor_area": forms.number(
                "建筑面积（平方米）", "Floor area (m²)", maximum=1000000, widget="area"
            ),
            "extra_certificates": forms.integer(
                "加发证书本数", "Additional certificate copies", maximum=20, default=0
            ),
            "agent_applies": forms.boolean("委托代理人申请", "Applying through an agent"),
            "agent_name": forms.text("代理人姓名", "Agent's name", min_length=2, max_length=50),
        },
        required=("applicant_name", "property_location", "property_use", "floor_area"),
        conditional=(ConditionalField(field="agent_name", when=F("agent_applies").is_true()),),
        examples=(
            FormExample(
                name="住宅首次登记",
                data={
                    "applicant_name": "张三",
                    "property_location": "城关镇解放路12号",
                    "property_use": "residential",
                    "floor_area": 120.5,
                },
                valid=True,
            ),
            FormExample(
                name="委托代理但未写代理人",
                data={
                    "applicant_name": "张三",
                    "property_location": "城关镇解放路12号",
                    "property_use": "residential",
                    "floor_area": 120.5,
                    "agent_applies": True,
                },
                valid=False,
                errors=("agent_name",),
            ),
            FormExample(
                name="面积为零",
                data={
                    "applicant_name": "张三",
                    "property_location": "城关镇解放路12号",
                    "property_use": "residential",
                    "floor_area": 0,
                },
                valid=False,
                errors=("floor_area",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(
            code="application_form",
            name="不动产登记申请书",
            name_en="Real estate registration application form",
            sample="samples/application_form.pdf",
        ),
        MaterialSpec(
            code="identity_proof",
            name="申请人身份证明",
            name_en="Applicant's identity document",
            original_check=True,
        ),
        MaterialSpec(
            code="power_of_attorney",
            name="授权委托书及代理人身份证明",
            name_en="Power of attorney and the agent's identity document",
            required=False,
            required_when=F("agent_applies").is_true(),
            notes="委托代理人申请时提交",
            notes_en="When applying through an agent",
        ),
        MaterialSpec(
            code="completion_acceptance",
            name="建设工程符合规划及竣工验收材料",
            name_en="Planning conformity and completion acceptance records",
            source="data_sharing",
            notes="由住建部门共享获取，申请人无需提交",
            notes_en="Obtained from the housing department; the applicant need not supply it",
            required=False,
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
            when=F("property_use") == "residential",
            reductions=(
                FeeReduction(
                    code="affordable_housing",
                    name="保障性住房免收登记费",
                    name_en="Affordable housing: no fee",
                    basis=FEE_BASIS,
                    when=F("affordable_housing").is_true(),
                ),
            ),
        ),
        FeeRule(
            code="non_residential_registration",
            name="非住宅类不动产登记费",
            name_en="Registration fee, non-residential",
            basis=FEE_BASIS,
            standard="非住宅类不动产登记收费标准为每件550元（含第一本证书工本费）",
            amount_fen=55000,
            when=F("property_use") == "non_residential",
            reductions=(
                FeeReduction(
                    code="small_micro_enterprise",
                    name="小微企业免收不动产登记费",
                    name_en="Small and micro enterprises: no fee",
                    basis=SMALL_BUSINESS_BASIS,
                    when=F("small_micro_enterprise").is_true(),
                ),
            ),
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
            unit_name="本",
        ),
    ),
    fee_examples=(
        FeeExample(
            name="住宅，加发2本",
            form={"property_use": "residential", "extra_certificates": 2},
            total_fen=10000,
            lines={"residential_registration": 8000, "extra_certificate": 2000},
        ),
        FeeExample(
            name="小微企业的商铺",
            form={"property_use": "non_residential", "small_micro_enterprise": True},
            total_fen=0,
            lines={"non_residential_registration": 0},
        ),
        FeeExample(
            name="保障性住房",
            form={"property_use": "residential", "affordable_housing": True},
            total_fen=0,
        ),
    ),
    place="县政务服务中心不动产登记窗口",
    hours="周一至周五 9:00—12:00，13:30—17:00（法定节假日除外）",
    risk_points=(
        RiskPoint(
            step="accept",
            text="核对申请人身份证明原件与登记簿权利人一致，防止冒名登记",
            text_en="Check the applicant's ID original against the register to stop impersonation",
        ),
        RiskPoint(
            text="不得要求申请人提交法律法规规定以外的材料",
            text_en="Never ask for materials beyond those the law requires",
        ),
    ),
    result_name="不动产权证书",
    result_certificate="不动产权证书",
    faqs=(
        FAQ(
            question="新房首次登记需要本人到场吗？",
            answer="网上申报后，领取证书时需本人或受托人持身份证到窗口领取。",
            question_en="Must I come in person?",
            answer_en="After applying online, you or your agent collect the certificate in person.",
        ),
    ),
    keywords=("不动产", "房产证", "首次登记", "房屋登记", "办证"),
    categories=("住房管理", "国土资源"),
    audience=("individual", "enterprise"),
    scenarios=("我要买房/新房办证",),
    consultation_phone="0999-12345",
    complaint_phone="0999-12345",
)

HOMESTEAD = ItemSpec(
    code="NR-ZJD-0001",
    name="农村宅基地和建房（规划许可）审批",
    name_en="Approval of rural homestead and house building (planning permit)",
    version="2026.1",
    item_type="licensing",
    department_kind="agriculture_rural",
    handling_level="town",
    legal_implementer="乡（镇）人民政府",
    legal_basis=(
        LegalBasis(title="《中华人民共和国土地管理法》", articles=("第六十二条",)),
        LegalBasis(title="《中华人民共和国城乡规划法》", articles=("第四十一条",)),
        LegalBasis(
            title="《农业农村部 自然资源部关于规范农村宅基地审批管理的通知》",
            level="normative",
            document_number="农经发〔2019〕6号",
        ),
    ),
    conditions=(
        "申请人为本集体经济组织成员，以户为单位申请",
        "一户只能拥有一处宅基地，面积不超过省规定标准",
        "符合国土空间规划和村庄规划，不占用永久基本农田",
        "经村民小组会议讨论通过并在本小组公示",
    ),
    procedure=(
        "农户向村民小组提出申请",
        "村民小组会议讨论并公示",
        "村级组织审查",
        "乡镇政府联审（农业农村、自然资源等）",
        "乡镇政府审批，发放《农村宅基地批准书》和《乡村建设规划许可证》",
        "划定宅基地用地范围、开工查验、竣工验收",
    ),
    statutory_days=20,
    promised_days=15,
    form=forms.form(
        {
            "applicant_name": forms.text("户主姓名", "Head of household", max_length=50),
            "id_number": forms.id_number(),
            "village": forms.text("所在村（组）", "Village and group", widget="address"),
            "household_size": forms.integer("家庭人口", "Household members", minimum=1, maximum=20),
            "reason": forms.choice(
                "申请理由",
                "Reason",
                options={
                    "first_home": ("首次申请（分户）", "First homestead (new household)"),
                    "relocation": ("搬迁安置", "Relocation"),
                    "rebuild": ("原址翻建", "Rebuild on the old site"),
                },
            ),
            "old_homestead": forms.choice(
                "原宅基地处置",
                "Existing homestead",
                options={
                    "none": ("无原宅基地", "None"),
                    "returned": ("退还集体", "Returned to the collective"),
                    "rebuilt": ("原址翻建", "Rebuilt"),
                },
            ),
            "old_homestead_location": forms.text(
                "原宅基地坐落", "Location of the existing homestead", widget="address"
            ),
            "land_area": forms.number(
                "拟用宅基地面积（平方米）", "Homestead area (m²)", maximum=300
            ),
            "floors": forms.integer("建房层数", "Storeys", minimum=1, maximum=3),
            "building_area": forms.number(
                "建筑面积（平方米）", "Floor area (m²)", maximum=900, widget="area"
            ),
            "uses_standard_design": forms.boolean(
                "选用农房通用设计图集", "Uses the standard rural house designs", default=True
            ),
        },
        required=(
            "applicant_name",
            "id_number",
            "village",
            "household_size",
            "reason",
            "old_homestead",
            "land_area",
            "floors",
            "building_area",
        ),
        conditional=(
            ConditionalField(
                field="old_homestead_location",
                when=F("old_homestead").is_in(["returned", "rebuilt"]),
            ),
        ),
        examples=(
            FormExample(
                name="首次申请",
                data={
                    "applicant_name": "李四",
                    "id_number": "11010519491231002X",
                    "village": "城关镇人民村三组",
                    "household_size": 4,
                    "reason": "first_home",
                    "old_homestead": "none",
                    "land_area": 120,
                    "floors": 2,
                    "building_area": 220,
                },
                valid=True,
            ),
            FormExample(
                name="退还原宅基地但未写坐落",
                data={
                    "applicant_name": "李四",
                    "id_number": "11010519491231002X",
                    "village": "城关镇人民村三组",
                    "household_size": 4,
                    "reason": "relocation",
                    "old_homestead": "returned",
                    "land_area": 120,
                    "floors": 2,
                    "building_area": 220,
                },
                valid=False,
                errors=("old_homestead_location",),
            ),
            FormExample(
                name="身份证校验位错误",
                data={
                    "applicant_name": "李四",
                    "id_number": "110105194912310021",
                    "village": "城关镇人民村三组",
                    "household_size": 4,
                    "reason": "first_home",
                    "old_homestead": "none",
                    "land_area": 120,
                    "floors": 2,
                    "building_area": 220,
                },
                valid=False,
                errors=("id_number",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(
            code="application_form",
            name="农村宅基地和建房（规划许可）申请表",
            name_en="Homestead and house-building application form",
        ),
        MaterialSpec(
            code="commitment",
            name="农村宅基地使用承诺书",
            name_en="Homestead use commitment",
        ),
        MaterialSpec(
            code="household_register",
            name="居民户口簿",
            name_en="Household register",
            source="e_certificate",
            certificate_type="居民户口簿",
        ),
        MaterialSpec(
            code="group_minutes",
            name="村民小组会议记录及公示材料",
            name_en="Village group meeting minutes and public notice",
        ),
        MaterialSpec(
            code="house_design",
            name="农房设计图或建房设计说明",
            name_en="House design drawings",
            required=False,
            required_when=F("uses_standard_design") == False,  # noqa: E712 - builds a rule
            notes="未选用通用设计图集的提交",
            notes_en="Only when the standard designs are not used",
        ),
    ),
    fee_free=True,
    fee_free_basis="宅基地和建房（规划许可）审批不在《全国政府性基金和行政事业性收费目录清单》内，依法不收费",
    place="乡（镇）人民政府便民服务中心",
    result_name="农村宅基地批准书、乡村建设规划许可证",
    keywords=("宅基地", "农村建房", "盖房子", "建房审批", "农房"),
    categories=("农业农村", "住房管理"),
    audience=("individual",),
    scenarios=("我要建房/农村自建房",),
    faqs=(
        FAQ(
            question="宅基地面积有什么标准？",
            answer="按示范省规定，户籍人口3人及以下的户不超过120平方米，4人及以上的户不超过150平方米。",
            question_en="How large may a homestead be?",
            answer_en="Up to 120 m² for households of three or fewer, 150 m² for larger ones.",
        ),
    ),
)

# A building address names a road or village and a house number (门牌号).
_HOUSE_NUMBER = re.compile(r"\d+\s*(号|栋|幢|号楼|室)")
#: 示范省's homestead limits by household size (m²).
HOMESTEAD_LIMITS = ((3, 120), (None, 150))


def homestead_limit(household_size: int) -> int:
    for up_to, limit in HOMESTEAD_LIMITS:
        if up_to is None or household_size <= up_to:
            return limit
    raise AssertionError("the last limit is open")


@hookimpl
def govhall_items() -> list[ItemSpec]:
    return [FIRST_REGISTRATION, HOMESTEAD]


@hookimpl
def govhall_validate_application(item: ItemSpec, form: dict[str, Any]) -> list[Problem]:
    if item.code == FIRST_REGISTRATION.code:
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
    if item.code == HOMESTEAD.code:
        problems = []
        limit = homestead_limit(int(form["household_size"]))
        if form["land_area"] > limit:
            problems.append(
                Problem(
                    field="land_area",
                    message=f"{form['household_size']}口之户的宅基地面积不得超过{limit}平方米",
                    message_en=f"A household of {form['household_size']} may use at most "
                    f"{limit} m²",
                )
            )
        if form["building_area"] > form["land_area"] * form["floors"]:
            problems.append(
                Problem(
                    field="building_area",
                    message="建筑面积不能超过宅基地面积乘以层数",
                    message_en="The floor area cannot exceed the homestead area times the storeys",
                )
            )
        return problems
    return []
