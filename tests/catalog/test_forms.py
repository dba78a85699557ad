"""Form validation messages."""

from govhall.catalog.forms import validate_form
from govhall.sdk import FormSpec

FORM = FormSpec(
    schema={
        "type": "object",
        "additionalProperties": False,
        "required": ["a", "b"],
        "properties": {
            "a": {"type": "string", "title": "甲", "x-title-en": "A", "maxLength": 2},
            "b": {"type": "integer", "title": "乙"},
        },
    }
)


def test_each_problem_once_with_labels() -> None:
    errors = validate_form(FORM, {"a": "toolong", "c": 1})
    rendered = [e.render("zh-CN") for e in errors]
    assert {"field": "b", "message": "请填写“乙”"} in rendered
    assert {"field": "a", "message": "“甲”不能超过 2 个字"} in rendered
    assert {"field": "", "message": "表单包含未定义的字段：c"} in rendered
    assert errors[1].render("en")["message"] in {
        "'A' must not exceed 2 characters",
        "Please fill in '乙'",
    }


def test_non_object_form() -> None:
    assert validate_form(FORM, [1, 2])[0].field == "form"
    assert validate_form(FORM, {"a": "ok", "b": 3}) == []
