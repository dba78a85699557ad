"""Family and elderly services of the civil affairs bureau (民政局) and the health
commission (卫生健康委员会), declared for govhall.

生育登记 follows 《中华人民共和国人口与计划生育法》（2021年修正）第十八条 and
国家卫生健康委 guidance that birth registration is a free service done at once,
online. 高龄津贴 and 老年人优待证 follow 《中华人民共和国老年人权益保障法》 and
示范省's published measures; the applicant's age is read from the checked ID
number, so nobody types a birth date twice.
"""

from __future__ import annotations

from datetime import date
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

FREE_SERVICE = "公共服务事项，依法不收取任何费用"
ELDERLY_LAW = LegalBasis(
    title="《中华人民共和国老年人权益保障法》", articles=("第三十三条", "第五十七条")
)

_PARENTS = {
    "mother_name": forms.text("女方姓名", "Mother's name", max_length=50),
    "mother_id_number": forms.id_number("女方身份证号码", "Mother's resident ID number"),
    "father_name": forms.text("男方姓名", "Father's name", max_length=50),
    "father_id_number": forms.id_number("男方身份证号码", "Father's resident ID number"),
}
_PARENTS_EXAMPLE = {
    "mother_name": "陈红",
    "mother_id_number": "11010519491231002X",
    "father_name": "刘明",
    "father_id_number": "110105194912310038",
}

BIRTH_REGISTRATION = ItemSpec(
    code="MZ-SYDJ-0001",
    name="生育登记",
    name_en="Birth registration (family planning service registration)",
    version="2026.1",
    item_type="public_service",
    handling_kind="new",
    department_kind="health",
    handling_level="town",
    legal_implementer="乡（镇）人民政府、街道办事处",
    legal_basis=(
        LegalBasis(
            title="《中华人民共和国人口与计划生育法》",
            articles=("第十八条", "第二十条"),
        ),
        LegalBasis(
            title="《中共中央 国务院关于优化生育政策促进人口长期均衡发展的决定》",
            level="normative",
        ),
    ),
    conditions=("夫妻双方或一方户籍在本地，或女方在本地居住", "第一个、第二个、第三个子女均可登记"),
    procedure=("网上或窗口提交登记信息", "即时登记", "出具生育登记服务单（电子）"),
    statutory_days=1,
    promised_days=0,
    on_the_spot=True,
    visits=0,
    form=forms.form(
        {
            **_PARENTS,
            "child_order": forms.choice(
                "本次登记为第几个子女",
                "Which child this is",
                options={
                    "first": ("第一个子女", "First child"),
                    "second": ("第二个子女", "Second child"),
                    "third_or_later": ("第三个及以上子女", "Third child or later"),
                },
            ),
            "pregnant": forms.boolean("已怀孕", "Pregnant now", default=True),
            "expected_date": forms.date("预产期", "Expected date of delivery"),
            "phone": forms.phone(),
        },
        required=(
            "mother_name",
            "mother_id_number",
            "father_name",
            "father_id_number",
            "child_order",
            "phone",
        ),
        conditional=(ConditionalField(field="expected_date", when=F("pregnant").is_true()),),
        examples=(
            FormExample(
                name="二孩登记",
                data={
                    **_PARENTS_EXAMPLE,
                    "child_order": "second",
                    "pregnant": True,
                    "expected_date": "2027-05-01",
                    "phone": "13800138000",
                },
                valid=True,
            ),
            FormExample(
                name="已怀孕未填预产期",
                data={
                    **_PARENTS_EXAMPLE,
                    "child_order": "second",
                    "pregnant": True,
                    "phone": "13800138000",
                },
                valid=False,
                errors=("expected_date",),
            ),
            FormExample(
                name="夫妻为同一人",
                data={
                    **_PARENTS_EXAMPLE,
                    "father_id_number": "11010519491231002X",
                    "child_order": "first",
                    "pregnant": False,
                    "phone": "13800138000",
                },
                valid=False,
                errors=("father_id_number",),
            ),
        ),
    ),
    materials=(
        MaterialSpec(
            code="identity_cards",
            name="夫妻双方居民身份证",
            source="e_certificate",
            certificate_type="居民身份证",
            required=False,
            notes="通过电子证照获取，无需上传",
        ),
        MaterialSpec(
            code="marriage_certificate",
            name="结婚证",
            source="e_certificate",
            certificate_type="结婚证",
            required=False,
            notes="通过电子证照获取，无需上传",
        ),
    ),
    fee_free=True,
    fee_free_basis=FREE_SERVICE,
    place="户籍地或居住地乡镇（街道）便民服务中心，或网上办理",
    result_name="生育登记服务单",
    keywords=("生育登记", "准生证", "生育服务证", "二胎", "二孩", "三胎", "三孩", "怀孕登记"),
    categories=("生育收养", "卫生健康"),
    audience=("individual",),
    scenarios=("我要生孩子/生育登记",),
    consultation_phone="0999-12356",
    complaint_phone="0999-12345",
    faqs=(
        FAQ(
            question="现在生二胎还需要办准生证吗？",
            answer="不需要审批。生育第一个、第二个、第三个子女都只需生育登记，网上即可办理，当场办结。",
            question_en="Do I need a birth permit for a second child?",
            answer_en="No. Registration is enough for any of the first three children; "
            "it is done online at once.",
        ),
    ),
)

LONGEVITY_ALLOWANCE = ItemSpec(
    code="MZ-GLJT-0001",
    name="高龄津贴申领",
    name_en="Longevity allowance for people aged 80 and over",
    version="2026.1",
    item_type="payment",
    handling_kind="new",
    department_kind="civil_affairs",
    handling_level="town",
    legal_implementer="县级人民政府民政部门（乡镇人民政府受理）",
    legal_basis=(
        ELDERLY_LAW,
        LegalBasis(
            title="《示范省高龄津贴发放管理办法》",
            level="normative",
            document_number="示民发〔2023〕15号",
        ),
    ),
    conditions=("具有本县户籍", "年满80周岁"),
    procedure=("申请", "乡镇受理初审", "县民政局审核", "按月发放至本人社会保障卡"),
    statutory_days=20,
    promised_days=10,
    form=forms.form(
        {
            "elder_name": forms.text("老年人姓名", "Name", max_length=50),
            "elder_id_number": forms.id_number("老年人身份证号码", "Resident ID number"),
            "household_address": forms.text("户籍地址", "Registered address", widget="address"),
            "social_security_card": forms.text(
                "社会保障卡银行账号", "Social security card account", pattern=r"^\d{16,19}$"
            ),
            "applies_by_agent": forms.boolean("由亲属代为申请", "A relative applies"),
            "agent_name": forms.text("代办人姓名", "Relative's name", max_length=50),
            "phone": forms.phone(),
        },
        required=(
            "elder_name",
            "elder_id_number",
            "household_address",
            "social_security_card",
            "phone",
        ),
        conditional=(ConditionalField(field="agent_name", when=F("applies_by_agent").is_true()),),
        examples=(
            FormExample(
                name="未满80周岁",
                data={
                    "elder_name": "刘大爷",
                    "elder_id_number": "110105200001010016",
                    "household_address": "城关镇人民村三组",
                    "social_security_card": "6217000010000000001",
                    "phone": "13800138000",
                },
                valid=False,
                errors=("elder_id_number",),
            ),
            FormExample(
                name="1940年生人",
                data={
                    "elder_name": "刘大爷",
                    "elder_id_number": "110105194005010015",
                    "household_address": "城关镇人民村三组",
                    "social_security_card": "6217000010000000001",
                    "phone": "13800138000",
                },
                valid=True,
            ),
        ),
    ),
    materials=(
        MaterialSpec(
            code="household_register",
            name="居民户口簿",
            source="e_certificate",
            certificate_type="居民户口簿",
            required=False,
        ),
        MaterialSpec(
            code="agent_identity",
            name="代办人身份证明",
            required=False,
            required_when=F("applies_by_agent").is_true(),
        ),
    ),
    fee_free=True,
    fee_free_basis=FREE_SERVICE,
    place="户籍地乡镇（街道）便民服务中心",
    result_name="高龄津贴发放通知",
    keywords=("高龄津贴", "高龄补贴", "老人补贴", "80岁"),
    categories=("养老服务", "社会救助"),
    audience=("individual",),
    scenarios=("我要养老/高龄津贴",),
    consultation_phone="0999-12349",
    complaint_phone="0999-12345",
    faqs=(
        FAQ(
            question="高龄津贴每月多少钱？",
            answer="示范省标准：80—89周岁每人每月100元，90—99周岁200元，100周岁及以上500元。",
            question_en="How much is paid?",
            answer_en="100 yuan a month at 80–89, 200 at 90–99, 500 from 100.",
        ),
    ),
)

SENIOR_CARD = ItemSpec(
    code="MZ-LNYD-0001",
    name="老年人优待证办理",
    name_en="Senior citizen's concession card",
    version="2026.1",
    item_type="public_service",
    handling_kind="new",
    department_kind="civil_affairs",
    legal_implementer="县级人民政府民政部门（老龄工作机构）",
    legal_basis=(ELDERLY_LAW,),
    conditions=("年满60周岁",),
    procedure=("申请", "核验身份", "当场制发优待证"),
    statutory_days=1,
    promised_days=0,
    on_the_spot=True,
    form=forms.form(
        {
            "elder_name": forms.text("老年人姓名", "Name", max_length=50),
            "elder_id_number": forms.id_number("老年人身份证号码", "Resident ID number"),
            "phone": forms.phone(),
            "delivery": forms.choice(
                "领取方式",
                "Collection",
                options={"window": ("窗口领取", "At the window"), "post": ("邮寄", "By post")},
                widget="radio",
            ),
            "postal_address": forms.text("邮寄地址", "Postal address", widget="address"),
        },
        required=("elder_name", "elder_id_number", "phone", "delivery"),
        conditional=(ConditionalField(field="postal_address", when=F("delivery") == "post"),),
        examples=(
            FormExample(
                name="邮寄",
                data={
                    "elder_name": "刘大爷",
                    "elder_id_number": "11010519491231002X",
                    "phone": "13800138000",
                    "delivery": "post",
                    "postal_address": "城关镇人民村三组12号",
                },
                valid=True,
            ),
        ),
    ),
    materials=(
        MaterialSpec(code="photo", name="本人近期一寸免冠彩色照片", formats=("jpg", "png")),
    ),
    fee_free=True,
    fee_free_basis=FREE_SERVICE,
    place="县政务服务中心民政窗口",
    result_name="老年人优待证",
    result_certificate="老年人优待证",
    keywords=("老年证", "优待证", "老年卡", "乘车卡"),
    categories=("养老服务",),
    audience=("individual",),
    scenarios=("我要养老/老年人优待证",),
    consultation_phone="0999-12349",
    complaint_phone="0999-12345",
)

ITEMS = (BIRTH_REGISTRATION, LONGEVITY_ALLOWANCE, SENIOR_CARD)
MINIMUM_AGE = {LONGEVITY_ALLOWANCE.code: 80, SENIOR_CARD.code: 60}


def age_on(id_number: str, today: date) -> int:
    """Full years of age on ``today`` from the birth date inside an 18-digit ID number."""
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@hookimpl
def govhall_items() -> list[ItemSpec]:
    return list(ITEMS)


@hookimpl
def govhall_validate_application(item: ItemSpec, form: dict[str, Any]) -> list[Problem]:
    if item.code == BIRTH_REGISTRATION.code:
        if form["mother_id_number"].upper() == form["father_id_number"].upper():
            return [
                Problem(
                    field="father_id_number",
                    message="男女双方的身份证号码不能相同",
                    message_en="The parents' ID numbers must differ",
                )
            ]
        return []
    minimum = MINIMUM_AGE.get(item.code)
    if minimum is None:
        return []
    age = age_on(form["elder_id_number"], date.today())
    if age < minimum:
        return [
            Problem(
                field="elder_id_number",
                message=f"申请人现年{age}周岁，本事项须年满{minimum}周岁",
                message_en=f"The applicant is {age}; this item requires {minimum} or older",
            )
        ]
    return []
