"""Every marked message has an English translation; language negotiation."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir

from govhall.i18n import Localized, negotiate_locale, translate
from govhall.settings import REPO_ROOT


def test_every_message_is_translated_to_english() -> None:
    messages = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(REPO_ROOT / "platform" / "govhall"),
            method_map=[("**.py", "python")],
            keywords={"N_": None},
        )
    }
    # Page templates mark their strings with _() (Babel's Jinja2 extractor).
    messages |= {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(REPO_ROOT / "frontend" / "templates"),
            method_map=[("**.html", "jinja2.ext:babel_extract")],
        )
        if isinstance(message, str)
    }
    assert len(messages) > 50
    missing = sorted(m for m in messages if translate(str(m), "en") == m)
    assert missing == [], "run scripts/translations_en.py after adding: " + repr(missing)


def test_negotiation() -> None:
    assert negotiate_locale(None) == "zh-CN"
    assert negotiate_locale("en") == "en"
    assert negotiate_locale("fr, en;q=0.5") == "en"
    assert negotiate_locale("en;q=0.3, zh-CN;q=0.9") == "zh-CN"
    assert negotiate_locale("de") == "zh-CN"
    assert negotiate_locale("en;q=bad") == "zh-CN"


def test_localized_parameters() -> None:
    assert (
        translate("请填写“{label}”", "en", label=Localized("名称", "Name"))
        == "Please fill in 'Name'"
    )
    assert translate("请填写“{label}”", "zh-CN", label=Localized("名称", "Name")) == "请填写“名称”"
