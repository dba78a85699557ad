"""Languages and message catalogs: zh-CN is the source language, English the second.

Message ids are the zh-CN texts themselves (the default UI language), marked with
:func:`N_` where they are defined and translated with :func:`translate` when a
response is written, so one error object can be shown in either language. The
English catalog is a Babel ``.po`` file under ``frontend/locales``; it is read
directly with Babel (no compile step is needed to run from a checkout).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

DEFAULT_LOCALE = "zh-CN"
SUPPORTED_LOCALES = ("zh-CN", "en")
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a zh-CN message for extraction; it is translated when shown."""
    return message


def negotiate_locale(accept_language: str | None) -> str:
    """Choose zh-CN or en from an ``Accept-Language`` header (zh-CN when unsure)."""
    if not accept_language:
        return DEFAULT_LOCALE
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:  # q=0 (or an unreadable q) means "not acceptable"
            choices.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(choices):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


@lru_cache(maxsize=8)
def _catalog(locales_dir: str, locale: str) -> dict[str, str]:
    po_path = Path(locales_dir) / locale.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return {}
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale.replace("-", "_"))
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


_locales_dir: Path | None = None


def configure(locales_dir: Path) -> None:
    """Point translations at a ``locales`` directory (done by ``create_app``)."""
    global _locales_dir
    _locales_dir = locales_dir


class Localized(dict[str, str]):
    """A text given in each language (e.g. a plugin's field label), used as a message
    parameter: :func:`translate` picks the reader's language, falling back to zh-CN."""

    def __init__(self, zh: str, en: str = "") -> None:
        super().__init__({"zh-CN": zh, "en": en or zh})

    def pick(self, locale: str) -> str:
        return self.get(locale) or self["zh-CN"]


def translate(message: str, locale: str, **params: Any) -> str:
    """Translate a zh-CN message id into ``locale`` and fill ``{placeholders}``.

    Parameters that are :class:`Localized` are shown in ``locale``; parameters that
    are message ids themselves can be passed translated by the caller."""
    params = {k: v.pick(locale) if isinstance(v, Localized) else v for k, v in params.items()}
    text = message
    if locale != DEFAULT_LOCALE:
        from govhall.settings import REPO_ROOT

        directory = _locales_dir or REPO_ROOT / "frontend" / "locales"
        text = _catalog(str(directory), locale).get(message, message)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def label(table: dict[str, Localized], key: str) -> Localized:
    """A code's label from ``table``, or the code itself where the table has none."""
    return table.get(key) or Localized(key, key)
