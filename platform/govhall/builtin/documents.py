"""Default notices (受理通知书, 补正告知书, 特别程序告知书, 不予受理决定书,
准予/不予许可决定书).

Registered ``trylast``: an item's own templates and any plugin's come first.
The wording follows the model texts of 《中华人民共和国行政许可法》第三十二条、
第三十八条; the workbench fills in the seal and the date.
"""

from __future__ import annotations

from govhall.sdk import DocumentTemplate, ItemSpec, hookimpl

_HEAD = (
    '<h1 class="notice-title">{{ department.name }}</h1>'
    '<p class="notice-number">{{ document_number }}</p>'
    "<p>{{ case.applicant_name }}：</p>"
)
_FOOT = '<p class="notice-sign">{{ department.name }}<br>{{ date }}</p>'

DEFAULT_NOTICES: tuple[DocumentTemplate, ...] = (
    DocumentTemplate(
        code="builtin_acceptance_notice",
        kind="acceptance_notice",
        name="受理通知书",
        name_en="Notice of acceptance",
        body=_HEAD + "<p>你（单位）于{{ case.submitted_date }}提出的{{ item.name }}申请"
        "（办件编号：{{ case.serial_number }}），申请材料齐全、符合法定形式，"
        "根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理。"
        "本机关将在{{ promised_days }}个工作日内作出决定。</p>" + _FOOT,
    ),
    DocumentTemplate(
        code="builtin_correction_notice",
        kind="correction_notice",
        name="补正材料告知书",
        name_en="Notice to supplement materials",
        body=_HEAD + "<p>你（单位）于{{ case.submitted_date }}提出的{{ item.name }}申请"
        "（办件编号：{{ case.serial_number }}），申请材料不齐全或不符合法定形式，"
        "根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，请补正以下材料：</p>"
        "<ol>{% for entry in corrections %}<li>{{ entry }}</li>{% endfor %}</ol>" + _FOOT,
    ),
    DocumentTemplate(
        code="builtin_special_procedure_notice",
        kind="special_procedure_notice",
        name="特别程序告知书",
        name_en="Notice of a special procedure",
        body=_HEAD
        + "<p>你（单位）提出的{{ item.name }}申请（办件编号：{{ case.serial_number }}），"
        "因{{ reason }}，需要进行{{ procedure.name }}。根据《中华人民共和国行政许可法》"
        "第四十五条的规定，{{ procedure.name }}所需时间不计算在行政许可期限内。"
        "所需时间为{{ procedure.days }}个工作日。</p>"
        "{% if procedure.hearing %}<p>根据《中华人民共和国行政许可法》第四十七条的规定，"
        "你（单位）有权要求听证；如要求听证，应当在被告知听证权利之日起五日内"
        "（{{ procedure.until }}前）提出，本机关将在二十日内组织听证。</p>{% endif %}" + _FOOT,
    ),
    DocumentTemplate(
        code="builtin_rejection_notice",
        kind="rejection_notice",
        name="不予受理决定书",
        name_en="Decision not to accept",
        body=_HEAD + "<p>你（单位）于{{ case.submitted_date }}提出的{{ item.name }}申请"
        "（办件编号：{{ case.serial_number }}），因{{ reason }}，决定不予受理。</p>"
        "<p>如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，"
        "或者在六个月内依法提起行政诉讼。</p>" + _FOOT,
    ),
    DocumentTemplate(
        code="builtin_approval_decision",
        kind="approval_decision",
        name="准予行政许可决定书",
        name_en="Decision to grant",
        body=_HEAD
        + "<p>你（单位）提出的{{ item.name }}申请（办件编号：{{ case.serial_number }}），"
        "经审查，符合法定条件、标准，根据《中华人民共和国行政许可法》第三十八条第一款的规定，"
        "决定准予行政许可。</p>" + _FOOT,
    ),
    DocumentTemplate(
        code="builtin_certificate",
        kind="certificate",
        name="电子证照",
        name_en="E-certificate",
        body="<h2>{{ item.result_name }}</h2>"
        '<p class="notice-number">{{ document_number }}</p>'
        "<p>持证人：{{ case.applicant_name }}</p>"
        "<p>事项：{{ item.name }}（办件编号：{{ case.serial_number }}）</p>"
        "{% if validity %}<p>有效期：{{ validity }}</p>{% endif %}"
        "<p>本证照与纸质证照具有同等效力，可扫描二维码或凭验证码核验。</p>" + _FOOT,
    ),
    DocumentTemplate(
        code="builtin_denial_decision",
        kind="denial_decision",
        name="不予行政许可决定书",
        name_en="Decision to deny",
        body=_HEAD
        + "<p>你（单位）提出的{{ item.name }}申请（办件编号：{{ case.serial_number }}），"
        "经审查，因{{ reason }}，根据《中华人民共和国行政许可法》第三十八条第二款的规定，"
        "决定不予行政许可。</p><p>如不服本决定，可以在收到本决定书之日起六十日内依法申请"
        "行政复议，或者在六个月内依法提起行政诉讼。</p>" + _FOOT,
    ),
)


@hookimpl(trylast=True)
def govhall_document_templates(item: ItemSpec) -> list[DocumentTemplate]:
    return list(DEFAULT_NOTICES)
