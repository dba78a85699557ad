"""Password hashing and policy."""

import pytest

from govhall.errors import InvalidInput
from govhall.identity.passwords import check_password_policy, hash_password, verify_password


def test_hash_and_verify() -> None:
    hashed = hash_password("abc12345x")
    assert verify_password(hashed, "abc12345x")
    assert not verify_password(hashed, "abc12345y")
    assert not verify_password(None, "abc12345x")
    assert not verify_password("not-a-hash", "abc12345x")


@pytest.mark.parametrize("password", ["short1", "onlyletters", "1234567890", "zhangsan1"])
def test_policy_refuses_weak_passwords(password: str) -> None:
    with pytest.raises(InvalidInput):
        check_password_policy(password, "zhangsan1")


def test_policy_accepts_reasonable_password() -> None:
    check_password_policy("abc12345x", "zhangsan")


def test_initial_passwords_always_pass_the_policy() -> None:
    from govhall.identity.passwords import check_password_policy, initial_password

    for _ in range(500):  # a bare token_urlsafe(12) lacks a digit ~1 time in 15
        check_password_policy(initial_password(), "someone")
