"""English translations of govhall's zh-CN messages; writes frontend/locales/en/…/messages.po.

Run ``uv run python scripts/translations_en.py`` after adding messages; the test
``tests/test_i18n.py`` fails when a marked message has no English translation.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

EN: dict[str, str] = {
    "事项没有名为“{code}”的申请材料": "The item has no material named '{code}'",
    "“{material}”引用的文件不存在或不属于您，请重新上传": "The file given for '{material}' does not exist or is not yours; please upload it again",
    "“{material}”只接受以下格式：{formats}": "'{material}' accepts only these formats: {formats}",
    "缺少必需的申请材料“{material}”": "The required material '{material}' is missing",
    "请使用个人或法人账号提交申请；窗口代办请使用代申请功能": "Please apply with an individual or enterprise account; window staff use agent "
    "application",
    "该账号已停用，请联系管理员": "This account is disabled; please contact the administrator",
    "该事项不面向{kind}办理": "This item is not available to {kind} applicants",
    "申请内容有误，请按提示修改后重新提交": "The application has problems; please correct them as indicated and submit again",
    "办件编号或查询码不正确": "The serial number or query code is not correct",
    "请填写“{label}”": "Please fill in '{label}'",
    "“{label}”的格式不正确": "'{label}' is not in the right format",
    "“{label}”至少需要 {limit} 个字": "'{label}' needs at least {limit} characters",
    "“{label}”不能超过 {limit} 个字": "'{label}' must not exceed {limit} characters",
    "“{label}”不能小于 {limit}": "'{label}' must not be less than {limit}",
    "“{label}”不能大于 {limit}": "'{label}' must not be greater than {limit}",
    "“{label}”必须大于 {limit}": "'{label}' must be greater than {limit}",
    "“{label}”必须小于 {limit}": "'{label}' must be less than {limit}",
    "“{label}”的取值不在可选范围内": "'{label}' is not one of the allowed choices",
    "表单包含未定义的字段：{names}": "The form contains undeclared fields: {names}",
    "“{label}”不符合要求": "'{label}' does not meet the requirements",
    "表单内容必须是一个对象": "The form must be a JSON object",
    "找不到事项“{item_code}”，或本地尚未开通该事项": "Item '{item_code}' was not found or is not offered here",
    "密码长度应为 {min} 到 {max} 个字符": "The password must be {min} to {max} characters long",
    "密码须同时包含字母和数字，且不能与用户名相同": "The password must contain letters and digits and differ from the username",
    "用户名须以字母开头，由 3 到 64 个字母、数字、下划线、点或横线组成": "The username must start with a letter and have 3 to 64 letters, digits, '_', '.' "
    "or '-'",
    "请填写 2 到 100 个字的真实姓名或单位名称": "Please give a real name or organisation name of 2 to 100 characters",
    "个人用户须填写居民身份证号码": "Individuals must give a resident identity card number",
    "居民身份证号码无效，请核对后重新输入": "The resident identity card number is not valid; please check it",
    "法人用户须填写统一社会信用代码": "Enterprises must give a unified social credit code",
    "统一社会信用代码无效，请核对后重新输入": "The unified social credit code is not valid; please check it",
    "手机号码应为 11 位数字": "The mobile number must have 11 digits",
    "电子邮箱格式不正确": "The email address is not valid",
    "注册信息有误，请按提示修改": "The registration has problems; please correct them as indicated",
    "用户名 {username} 已被注册": "The username {username} is already taken",
    "用户名或密码错误": "Wrong username or password",
    "登录已过期，请重新登录": "Your login has expired; please log in again",
    "登录凭证无效，请重新登录": "Your login token is not valid; please log in again",
    "您的申请“{item}”已提交，办件编号 {serial_number}，请留意办理进度。": "Your application '{item}' was submitted with serial number {serial_number}; "
    "watch its progress.",
    "您的办件 {serial_number}（{item}）已受理。": "Your case {serial_number} ({item}) has been accepted.",
    "您的办件 {serial_number}（{item}）不予受理，理由：{opinion}": "Your case {serial_number} ({item}) was not accepted. Reason: {opinion}",
    "您的办件 {serial_number}（{item}）已审批通过。": "Your case {serial_number} ({item}) has been approved.",
    "您的办件 {serial_number}（{item}）不予许可，理由：{opinion}": "Your case {serial_number} ({item}) was denied. Reason: {opinion}",
    "您的办件 {serial_number}（{item}）已办结，请按告知方式领取结果。": "Your case {serial_number} ({item}) is concluded; collect the result as notified.",
    "文件超过大小上限 {limit}": "The file exceeds the size limit of {limit}",
    "上传的文件是空的": "The uploaded file is empty",
    "只接受 PDF、JPG 或 PNG 文件": "Only PDF, JPG or PNG files are accepted",
    "找不到该文件": "File not found",
    "无权查看该文件": "You may not view this file",
    "找不到租户清单文件：{path}": "Tenant manifest not found: {path}",
    "租户清单 {path} 有误：{detail}": "Tenant manifest {path} is invalid: {detail}",
    "组织机构存在循环上下级关系：{unit}": "The org units form a cycle at {unit}",
    "租户清单 {slug} 有误：{detail}": "Tenant manifest {slug} is invalid: {detail}",
    "上级租户 {parent} 尚未创建，请先应用它的清单": "The parent tenant {parent} does not exist yet; apply its manifest first",
    "上级租户 {parent} 的层级必须高于 {level}": "The parent tenant {parent} must be of a higher level than {level}",
    "找不到租户“{slug}”": "Tenant '{slug}' not found",
    "{name}网上办事大厅暂停服务，请稍后再试": "The {name} online service hall is suspended; please try again later",
    "请先登录": "Please log in first",
    "仅本单位工作人员可以办理": "Only staff of this government may do this",
    "请使用个人或法人账号登录": "Please log in with an individual or enterprise account",
    "请求内容无效：{detail}": "Invalid request: {detail}",
    "没有权限执行此操作": "You are not allowed to do this",
    "找不到请求的地址": "Not found",
    "不支持此请求方法": "Method not allowed",
    "上传内容过大": "The request body is too large",
    "不支持的内容类型": "Unsupported content type",
    "请求过于频繁，请稍后再试": "Too many requests; please try again later",
    "服务器内部错误，已记录，请稍后再试": "Internal server error; it has been recorded, please try again later",
    "未知的办理操作“{action}”，可用的操作有：{known}": "Unknown action '{action}'; known actions: {known}",
    "找不到办件 {serial_number}": "Case {serial_number} not found",
    "办件已结束，不能再执行“{action}”": "The case has ended; '{action}' is no longer possible",
    "办件当前处于“{step}”环节，不能执行“{action}”；此环节可执行：{allowed}": "The case is at step '{step}', where '{action}' is not allowed; allowed here: {allowed}",
    "该办件刚被其他人处理，请刷新后重试": "Someone else has just acted on this case; please reload and try again",
    "您没有“{step}”环节的办理权限（需要{role}角色）": "You may not act at step '{step}' (the {role} role is needed)",
    "执行“{action}”必须填写理由或意见": "'{action}' needs a reason or opinion",
    "仅本单位工作人员可以查看待办": "Only staff of this government have a work list",
    "“{label}”不是有效的18位居民身份证号码（校验位或出生日期不符）": "'{label}' is not a valid 18-digit resident ID number (the check digit or birth date is wrong)",
    "“{label}”不是有效的统一社会信用代码（校验位不符）": "'{label}' is not a valid unified social credit code (the check digit is wrong)",
    "“{material}”的文件不能超过 {limit} MB": "The file for '{material}' must not exceed {limit} MB",
    "事项“{item}”的业务规则暂时无法执行，请稍后再试，或到窗口办理": "The rules of item '{item}' cannot be applied just now; please try again later or apply at the window",
    "找不到事项版本": "Item version not found",
    "该事项没有提供此样本": "This item provides no such sample",
    "请从以下办理机构中选择一个：{units}": "Choose one of these handling units: {units}",
    "请使用个人或法人账号登录后再填写申请": "Please log in with a personal or enterprise account to fill in an application",
    "请选择办理机构：{units}": "Please choose the handling unit: {units}",
}

PO_PATH = Path(__file__).resolve().parents[1] / "frontend/locales/en/LC_MESSAGES/messages.po"


def main() -> None:
    catalog = Catalog(locale="en", project="govhall", version="1", fuzzy=False)
    for msgid, text in sorted(EN.items()):
        catalog.add(msgid, text)
    PO_PATH.parent.mkdir(parents=True, exist_ok=True)
    with PO_PATH.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, no_location=True, width=0)
    print(f"wrote {len(EN)} messages to {PO_PATH}")


if __name__ == "__main__":
    main()
