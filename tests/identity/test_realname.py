"""Resident ID and credit code checks."""

from govhall.identity.realname import (
    is_valid_credit_code,
    is_valid_id_number,
    mask_id_number,
)
from tests.conftest import CREDIT_CODE, ID_NUMBER


def test_resident_id_checksum_and_birth_date() -> None:
    assert is_valid_id_number(ID_NUMBER)
    assert is_valid_id_number(ID_NUMBER.lower())
    assert not is_valid_id_number(ID_NUMBER[:-1] + "1")  # wrong check digit
    assert not is_valid_id_number("110105194913310021")  # month 13
    assert not is_valid_id_number("11010519491231")  # too short


def test_credit_code_checksum() -> None:
    assert is_valid_credit_code(CREDIT_CODE)
    assert not is_valid_credit_code(CREDIT_CODE[:-1] + "X")
    assert not is_valid_credit_code("ABC")


def test_masking() -> None:
    assert mask_id_number(ID_NUMBER) == "110105********002X"
    assert mask_id_number("1234") == "****"
