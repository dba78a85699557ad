"""Serial-number (办件编号) formats, one per tenant (R-T2: "serial-number format").

A format is text with placeholders: ``{division}`` (the tenant's 6-digit 行政区划代码),
``{yyyy}`` / ``{yy}`` / ``{mm}`` / ``{dd}`` (the submission day in the tenant's time
zone) and ``{seq:N}`` (the running number, at least N digits). The running number
starts again each day, month or year — whichever is the finest date part the format
shows — or never, when it shows none; so a number is never handed out twice.
The default is ``{division}{yyyy}{mm}{dd}{seq:6}`` (``33010220261130000001``).

Written here rather than with a template library: six placeholders whose meaning
decides the counter's period and the number's longest length (the column holds 32
characters) need checks no general template language offers, and a sandboxed
template engine would be more code than this.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import date

from govhall.errors import FieldError, InvalidInput
from govhall.i18n import N_

DEFAULT_FORMAT = "{division}{yyyy}{mm}{dd}{seq:6}"
#: The serial-number column's length.
MAX_LENGTH = 32
#: Digits the running number may grow to before the column overflows (checked with
#: this many digits, a million cases a day is 7).
SEQ_HEADROOM = 7
_TOKEN = re.compile(r"\{([a-z]+)(?::(\d+))?\}")
_LITERAL = re.compile(r"^[A-Za-z0-9-]*$")
_WIDTHS = {"division": 6, "yyyy": 4, "yy": 2, "mm": 2, "dd": 2}


@dataclass(frozen=True, slots=True)
class SerialFormat:
    text: str
    parts: tuple[tuple[str, str], ...]
    """``("text", "XK-")``, ``("division", "")``, ``("seq", "6")`` …"""
    period: str
    """``day``, ``month``, ``year`` or ``all``: when the running number starts again."""

    @property
    def is_default(self) -> bool:
        return self.text == DEFAULT_FORMAT

    def render(self, division_code: str, day: date, seq: int) -> str:
        out = []
        for kind, value in self.parts:
            if kind == "text":
                out.append(value)
            elif kind == "seq":
                out.append(f"{seq:0{int(value)}d}")
            elif kind == "division":
                out.append(division_code)
            elif kind == "yyyy":
                out.append(f"{day.year:04d}")
            elif kind == "yy":
                out.append(f"{day.year % 100:02d}")
            elif kind == "mm":
                out.append(f"{day.month:02d}")
            else:
                out.append(f"{day.day:02d}")
        return "".join(out)

    def counter_key(self, day: date) -> str:
        """The counter a number on ``day`` comes from. The default format keeps the
        plain ``YYYYMMDD`` key; any other adds a digest of itself, so going back to a
        format used before continues its own count instead of repeating it."""
        period = {
            "day": day.strftime("%Y%m%d"),
            "month": day.strftime("%Y%m"),
            "year": day.strftime("%Y"),
            "all": "all",
        }[self.period]
        if self.is_default:
            return period
        return f"{period}~{hashlib.sha256(self.text.encode()).hexdigest()[:12]}"

    def longest(self) -> int:
        """The length of a number once the running number has :data:`SEQ_HEADROOM`
        digits (or its declared width, if wider)."""
        total = 0
        for kind, value in self.parts:
            if kind == "text":
                total += len(value)
            elif kind == "seq":
                total += max(int(value), SEQ_HEADROOM)
            else:
                total += _WIDTHS[kind]
        return total


def parse_format(text: str, *, field: str = "serial_format") -> SerialFormat:
    """The format ``text`` (empty: the default), or :class:`InvalidInput` naming the
    first thing wrong."""
    text = text.strip() or DEFAULT_FORMAT

    def refuse(message: str, **params: object) -> InvalidInput:
        return InvalidInput(
            N_("办件编号格式有误"),
            code="invalid_serial_format",
            errors=[FieldError(field, message, **params)],
        )

    parts: list[tuple[str, str]] = []
    position = 0
    for match in _TOKEN.finditer(text):
        literal = text[position : match.start()]
        if literal:
            parts.append(("text", literal))
        name, width = match.group(1), match.group(2)
        if name == "seq":
            if width is None or not 3 <= int(width) <= 10:
                raise refuse(N_("流水号须写成 {seq:N}，N 为 3 到 10 位，例如 {seq:6}"))
            parts.append(("seq", str(int(width))))
        elif name in _WIDTHS and width is None:
            parts.append((name, ""))
        else:
            raise refuse(N_("不认识的占位符 {token}"), token=match.group(0))
        position = match.end()
    if position < len(text):
        parts.append(("text", text[position:]))
    for kind, value in parts:
        if kind == "text" and ("{" in value or "}" in value):
            raise refuse(N_("花括号只能用于占位符：{text}"), text=value)
        if kind == "text" and not _LITERAL.match(value):
            raise refuse(
                N_("固定文字只能用字母、数字和连字符（编号会出现在网址和二维码里）：{text}"),
                text=value,
            )
    kinds = [kind for kind, _ in parts]
    if kinds.count("seq") != 1:
        raise refuse(N_("格式中须有且只有一个流水号 {seq:N}"))
    if kinds.count("division") != 1:
        # Numbers are unique across the platform: the division code keeps two
        # governments' numbers apart.
        raise refuse(N_("格式中须有且只有一个行政区划代码 {division}"))
    for name in _WIDTHS:
        if kinds.count(name) > 1:
            raise refuse(N_("占位符 {token} 只能出现一次"), token="{" + name + "}")
    has_year = "yyyy" in kinds or "yy" in kinds
    if "yyyy" in kinds and "yy" in kinds:
        raise refuse(N_("年份只能写一次：{yyyy} 或 {yy}"))
    if ("mm" in kinds and not has_year) or ("dd" in kinds and "mm" not in kinds):
        # A day without its month (or a month without its year) would repeat numbers.
        raise refuse(N_("写了日就要写月，写了月就要写年"))
    fmt = SerialFormat(
        text=text,
        parts=tuple(parts),
        period="day"
        if "dd" in kinds
        else "month"
        if "mm" in kinds
        else "year"
        if has_year
        else "all",
    )
    if fmt.longest() > MAX_LENGTH:
        raise refuse(
            N_("编号最长可达 {length} 位，超过了 {limit} 位"),
            length=fmt.longest(),
            limit=MAX_LENGTH,
        )
    return fmt


@functools.lru_cache(maxsize=256)
def format_of(text: str) -> SerialFormat:
    """A stored (so already checked) format, parsed once per process."""
    return parse_format(text)
