"""Password hashing (argon2id via argon2-cffi) and the password policy."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from govhall.errors import FieldError, InvalidInput
from govhall.i18n import N_

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash of a fixed password, verified against when the user does not exist so
    that a missing user and a wrong password take the same time. Made on first use:
    hashing costs ~0.1 s, which every process start (and CLI command) paid."""
    return _hasher.hash("govhall-timing-equaliser")


MIN_LENGTH = 8
MAX_LENGTH = 128


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str, username: str) -> None:
    """Refuse weak passwords with a message saying what is missing."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            N_("密码长度应为 {min} 到 {max} 个字符"),
            code="weak_password",
            errors=[
                FieldError(
                    "password",
                    N_("密码长度应为 {min} 到 {max} 个字符"),
                    min=MIN_LENGTH,
                    max=MAX_LENGTH,
                )
            ],
            min=MIN_LENGTH,
            max=MAX_LENGTH,
        )
    has_letter = any(c.isalpha() for c in password)
    has_digit = any(c.isdigit() for c in password)
    if not (has_letter and has_digit) or password.lower() == username.lower():
        raise InvalidInput(
            N_("密码须同时包含字母和数字，且不能与用户名相同"),
            code="weak_password",
            errors=[FieldError("password", N_("密码须同时包含字母和数字，且不能与用户名相同"))],
        )


def initial_password() -> str:
    """A random one-time password that passes :func:`check_password_policy` (a bare
    ``token_urlsafe`` lacks a digit about one time in fifteen)."""
    while True:
        password = secrets.token_urlsafe(12)
        if any(c.isalpha() for c in password) and any(c.isdigit() for c in password):
            return password
