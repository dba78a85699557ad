"""Items of the housing and urban-rural development bureau (住房和城乡建设局).

建筑工程施工许可 follows 《中华人民共和国建筑法》第七条、第八条 and 《建筑工程施工
许可管理办法》（住房和城乡建设部令第18号，2021年修正）: works under 300 000 yuan
or 300 m² need no permit (第二条), and the decision is due within 7 days (第五条).
It is the lead item of a parallel approval with fire-protection design review and
civil air defence; the sums collected alongside it are declared as fee lines with
their bases: the 城市基础设施配套费 (a government fund, by floor area), the 防空
地下室易地建设费 (by floor area, when no shelter is built), and the 农民工工资
保证金 (a refundable deposit, tiered by contract sum). The figures per m² are
示范省's published standards.
"""

from __future__ import annotations

from typing import Any

from govhall.sdk import (
    FAQ,
    ConditionalField,
    CrossCheck,
    F,
    FeeExample,
    FeeReduction,
    FeeRule,
    FeeTier,
    FormExample,
    ItemSpec,
    LegalBasis,
    MaterialSpec,
    Problem,
    forms,
    hookimpl,
)

_PERMIT_EXAMPLE = {
    "project_name": "示范县第一中学教学楼",
    "project_code": "2026-990101-47-01-000123",
    "builder": "示范县教育局",
    "credit_code": "91110000600037341L",
    "contractor": "示范建工集团有限公司",
    "site": "城关镇学府路1号",
    "floor_area": 12000,
    "contract_sum_wan": 6000,
    "start_date": "2026-12-01",
    "end_date": "2028-06-30",
    "civil_air_defence_required": True,
    "builds_shelter": True,
    "shelter_area": 1200,
    "fire_review_done": True,
    "fire_review_number": "示建消审字〔2026〕第018号",
}

CONSTRUCTION_PERMIT = ItemSpec(
    code="ZJ-SGXK-0001",
    name="建筑工程施工许可证核发",
    name_en="Construction permit",
    version="2026.1",
    item_type="licensing",
    handling_kind="new",
    department_kind="housing",
    legal_implementer="县级以上人民政府住房和城乡建设主管部门",
    legal_basis=(
        LegalBasis(title="《中华人民共和国建筑法》", articles=("第七条", "第八条")),
        LegalBasis(
            title="《建筑工程施工许可管理办法》",
            articles=("第二条", "第四条", "第五条"),
            level="rule",
            document_number="住房和城乡建设部令第18号",
        ),
        LegalBasis(title="《中华人民共和国人民防空法》", articles=("第二十二条",)),
        LegalBasis(
            title="《保障农民工工资支付条例》",
            articles=("第三十二条",),
            level="regulation",
            document_number="国务院令第724号",
        ),
    ),
    conditions=(
        "依法应当办理用地批准手续的，已经办理该建筑工程用地批准手续",
        "依法应当办理建设工程规划许可证的，已经取得建设工程规划许可证",
        "已经确定施工企业，有满足施工需要的资金安排、施工图纸及技术资料",
        "有保证工程质量和安全的具体措施",
    ),
    procedure=(
        "建设单位在工程建设项目审批管理系统申报",
        "住建部门牵头受理，消防设计审查、人防审查并联办理",
        "审查",
        "作出许可决定，核发施工许可证",
    ),
    statutory_days=7,
    promised_days=3,
    form=forms.form(
        {
            "project_name": forms.text("工程名称", "Project name"),
            "project_code": forms.text(
                "项目代码",
                "Project code",
                pattern=r"^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$",
                help="投资项目在线审批监管平台赋予的项目代码",
            ),
            "builder": forms.text("建设单位", "Builder"),
            "credit_code": forms.credit_code("建设单位统一社会信用代码"),
            "contractor": forms.text("施工单位", "Contractor"),
            "site": forms.text("建设地址", "Site", widget="address"),
            "floor_area": forms.number(
                "建筑面积（平方米）", "Floor area (m²)", maximum=5000000, widget="area"
            ),
            "contract_sum_wan": forms.number(
                "合同价格（万元）", "Contract sum (10,000 yuan)", widget="money"
            ),
            "start_date": forms.date("计划开工日期", "Planned start"),
            "end_date": forms.date("计划竣工日期", "Planned completion"),
            "civil_air_defence_required": forms.boolean(
                "按规定应修建防空地下室", "A civil air defence shelter is required"
            ),
            "builds_shelter": forms.boolean("结合本工程修建防空地下室", "Builds the shelter"),
            "shelter_area": forms.number("防空地下室面积（平方米）", "Shelter area (m²)"),
            "fire_review_done": forms.boolean(
                "已取得消防设计审查意见", "Fire-protection design review obtained"
            ),
            "fire_review_number": forms.text("消防设计审查意见书文号", "Fire review number"),
            "wage_record_clean": forms.boolean(
                "施工单位近2年无拖欠农民工工资记录", "No wage arrears in the last 2 years"
            ),
        },
        required=(
            "project_name",
            "project_code",
            "builder",
            "credit_code",
            "contractor",
            "site",
            "floor_area",
            "contract_sum_wan",
            "start_date",
            "end_date",
        ),
        conditional=(
            ConditionalField(
                field="builds_shelter",
                when=F("civil_air_defence_required").is_true(),
                required=False,
            ),
            ConditionalField(field="shelter_area", when=F("builds_shelter").is_true()),
            ConditionalField(field="fire_review_number", when=F("fire_review_done").is_true()),
        ),
        checks=(
            CrossCheck(
                rule=F("end_date") > F("start_date"),
                field="end_date",
                message="计划竣工日期应晚于计划开工日期",
                message_en="The planned completion must come after the planned start",
            ),
            CrossCheck(
                rule=F("shelter_area") <= F("floor_area"),
                field="shelter_area",
                message="防空地下室面积不能超过建筑面积",
                message_en="The shelter cannot be larger than the building",
            ),
        ),
        examples=(
            FormExample(name="教学楼", data=_PERMIT_EXAMPLE, valid=True),
            FormExample(
                name="竣工早于开工",
                data={**_PERMIT_EXAMPLE, "end_date": "2026-01-01"},
                valid=False,
                errors=("end_date",),
            ),
            FormExample(
                name="修建防空地下室未填面积",
                data={k: v for k, v in _PERMIT_EXAMPLE.items() if k != "shelter_area"},
                valid=False,
                errors=("shelter_area",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="application_form", name="建筑工程施工许可证申请表"),
        MaterialSpec(
            code="planning_permit",
            name="建设工程规划许可证",
            source="data_sharing",
            required=False,
            notes="由自然资源部门共享获取",
        ),
        MaterialSpec(code="contract", name="施工合同（中标通知书）"),
        MaterialSpec(code="quality_safety", name="保证工程质量和安全的具体措施（承诺书）"),
        MaterialSpec(code="funding", name="建设资金已经落实承诺书"),
        MaterialSpec(
            code="fire_review",
            name="特殊建设工程消防设计审查意见书",
            required=False,
            required_when=F("fire_review_done").is_true(),
        ),
        MaterialSpec(
            code="wage_deposit_receipt",
            name="农民工工资保证金存储凭证",
            supplementable=True,
            notes="可在发证前补交",
        ),
    ),
    fees=(
        FeeRule(
            code="infrastructure_fund",
            name="城市基础设施配套费",
            name_en="Urban infrastructure fund",
            category="fund",
            basis="《财政部关于城市基础设施配套费性质的批复》（财综函〔2002〕3号）；"
            "《示范省城市基础设施配套费征收管理办法》（示政办发〔2023〕7号）",
            standard="按建筑面积每平方米60元",
            kind="per_unit",
            amount_fen=6000,
            unit_field="floor_area",
            unit_name="平方米",
        ),
        FeeRule(
            code="shelter_relocation_fee",
            name="防空地下室易地建设费",
            name_en="Fee for a civil air defence shelter built elsewhere",
            category="fund",
            basis="《中华人民共和国人民防空法》第二十二条；《国家计委 财政部 国家国防动员委员会 "
            "建设部印发〈关于规范防空地下室易地建设收费的规定〉的通知》（计价格〔2000〕474号）",
            standard="应建防空地下室而未建的，按首层建筑面积折算，示范省标准每平方米25元",
            kind="per_unit",
            amount_fen=2500,
            unit_field="floor_area",
            unit_name="平方米",
            when=F("civil_air_defence_required").is_true() & ~F("builds_shelter").is_true(),
        ),
        FeeRule(
            code="wage_deposit",
            name="农民工工资保证金",
            name_en="Migrant workers' wage deposit",
            category="deposit",
            basis="《保障农民工工资支付条例》第三十二条；《工程建设领域农民工工资保证金规定》"
            "（人社部发〔2021〕65号）",
            standard="按施工合同额分档存储：5000万元以内部分1%，超过部分0.5%，最高300万元",
            kind="tiered",
            unit_field="contract_sum_wan",
            unit_name="万元",
            tiers=(FeeTier(up_to=5000, unit_fen=10000), FeeTier(up_to=None, unit_fen=5000)),
            max_fen=300000000,
            reductions=(
                FeeReduction(
                    code="clean_record",
                    name="连续2年无拖欠减半存储",
                    basis="《工程建设领域农民工工资保证金规定》第十条（人社部发〔2021〕65号）",
                    when=F("wage_record_clean").is_true(),
                    percent=50,
                ),
            ),
        ),
    ),
    fee_examples=(
        FeeExample(
            name="教学楼：修建防空地下室，合同6000万元",
            form=_PERMIT_EXAMPLE,
            total_fen=72000000 + 55000000,
            lines={"infrastructure_fund": 72000000, "wage_deposit": 55000000},
        ),
        FeeExample(
            name="未建防空地下室、无拖欠记录",
            form={
                **_PERMIT_EXAMPLE,
                "builds_shelter": False,
                "wage_record_clean": True,
                "contract_sum_wan": 2000,
            },
            total_fen=72000000 + 30000000 + 10000000,
            lines={
                "infrastructure_fund": 72000000,
                "shelter_relocation_fee": 30000000,
                "wage_deposit": 10000000,
            },
        ),
        FeeExample(
            name="超大合同封顶",
            form={**_PERMIT_EXAMPLE, "floor_area": 1, "contract_sum_wan": 100000},
            total_fen=6000 + 300000000,
        ),
    ),
    place="县政务服务中心工程建设项目审批窗口",
    hours="周一至周五 9:00—12:00，13:30—17:00（法定节假日除外）",
    result_name="建筑工程施工许可证",
    result_certificate="建筑工程施工许可证",
    keywords=("施工许可证", "开工", "建筑工程", "工程建设项目"),
    categories=("工程建设项目审批",),
    audience=("enterprise",),
    enterprise_review=True,
    scenarios=("我要建项目/施工许可",),
    consultation_phone="0999-12329",
    complaint_phone="0999-12345",
    faqs=(
        FAQ(
            question="哪些工程可以不办施工许可证？",
            answer="工程投资额在30万元以下或者建筑面积在300平方米以下的建筑工程，可以不申请办理施工许可证。",
            question_en="Which works need no permit?",
            answer_en="Works under 300,000 yuan or under 300 m².",
        ),
    ),
)

COMPLETION_FILING = ItemSpec(
    code="ZJ-JGBA-0001",
    name="房屋建筑和市政基础设施工程竣工验收备案",
    name_en="Filing of completion acceptance of building and municipal works",
    version="2026.1",
    item_type="filing",
    handling_kind="other",
    department_kind="housing",
    legal_implementer="县级以上人民政府住房和城乡建设主管部门",
    legal_basis=(
        LegalBasis(
            title="《建设工程质量管理条例》",
            articles=("第四十九条",),
            level="regulation",
            document_number="国务院令第279号",
        ),
        LegalBasis(
            title="《房屋建筑和市政基础设施工程竣工验收备案管理办法》",
            articles=("第四条", "第五条", "第七条"),
            level="rule",
            document_number="住房和城乡建设部令第2号",
        ),
    ),
    conditions=("工程竣工验收合格之日起15日内备案",),
    procedure=("提交备案材料", "核对文件齐全", "在竣工验收备案表上签署文件收讫"),
    statutory_days=5,
    promised_days=0,
    on_the_spot=True,
    form=forms.form(
        {
            "project_name": forms.text("工程名称", "Project name"),
            "permit_number": forms.text("施工许可证编号", "Construction permit number"),
            "builder": forms.text("建设单位", "Builder"),
            "credit_code": forms.credit_code("建设单位统一社会信用代码"),
            "acceptance_date": forms.date("竣工验收日期", "Date of completion acceptance"),
        },
        required=("project_name", "permit_number", "builder", "credit_code", "acceptance_date"),
        examples=(
            FormExample(
                name="教学楼竣工",
                data={
                    "project_name": "示范县第一中学教学楼",
                    "permit_number": "990101202612010101",
                    "builder": "示范县教育局",
                    "credit_code": "91110000600037341L",
                    "acceptance_date": "2028-07-15",
                },
                valid=True,
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="filing_form", name="工程竣工验收备案表"),
        MaterialSpec(code="acceptance_report", name="工程竣工验收报告"),
        MaterialSpec(code="quality_warranty", name="施工单位签署的工程质量保修书"),
        MaterialSpec(
            code="fire_acceptance",
            name="特殊建设工程消防验收意见书或消防验收备案凭证",
            source="data_sharing",
            required=False,
        ),
    ),
    fee_free=True,
    fee_free_basis="竣工验收备案不收费（《全国政府性基金和行政事业性收费目录清单》无此项收费）",
    place="县政务服务中心工程建设项目审批窗口",
    result_name="工程竣工验收备案表（已签署收讫）",
    keywords=("竣工备案", "竣工验收"),
    categories=("工程建设项目审批",),
    audience=("enterprise",),
    scenarios=("我要建项目/竣工验收",),
    consultation_phone="0999-12329",
    complaint_phone="0999-12345",
)

ITEMS = (CONSTRUCTION_PERMIT, COMPLETION_FILING)


@hookimpl
def govhall_items() -> list[ItemSpec]:
    return list(ITEMS)


@hookimpl
def govhall_validate_application(item: ItemSpec, form: dict[str, Any]) -> list[Problem]:
    # Small works need no permit at all (《建筑工程施工许可管理办法》第二条): tell the
    # applicant instead of letting a clerk refuse it days later.
    if item.code != CONSTRUCTION_PERMIT.code:
        return []
    if form["contract_sum_wan"] < 30 or form["floor_area"] < 300:
        return [
            Problem(
                field="floor_area",
                message="工程投资额在30万元以下或建筑面积在300平方米以下的，可以不申请施工许可证",
                message_en="Works under 300,000 yuan or 300 m² need no construction permit",
            )
        ]
    return []
