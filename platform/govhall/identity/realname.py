"""Real-name checks: resident ID (GB 11643) and unified social credit code (GB 32100).

The checksums come from python-stdnum (``stdnum.cn.ric`` / ``stdnum.cn.uscc``),
which also checks the birth date and the region prefix of resident IDs.
"""

from __future__ import annotations

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError


def normalise_id_number(value: str) -> str:
    return value.strip().upper()


def is_valid_id_number(value: str) -> bool:
    """An 18-digit resident identity number with a valid birth date and check digit."""
    number = normalise_id_number(value)
    if len(number) != 18:
        return False
    try:
        ric.validate(number)
    except ValidationError:
        return False
    return True


def is_valid_credit_code(value: str) -> bool:
    """An 18-character unified social credit code with a valid check character."""
    try:
        uscc.validate(value.strip().upper())
    except ValidationError:
        return False
    return True


def mask_id_number(value: str) -> str:
    """Show the first 6 and last 4 characters: ``110105********1234``."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
