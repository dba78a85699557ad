"""Bearer tokens: a token checked once is kept by this process, but never past its
expiry, and a forged one is never taken for a kept one."""

from __future__ import annotations

import time
import uuid

import pytest

from govhall.errors import Unauthorized
from govhall.identity import tokens
from govhall.identity.tokens import Principal, TokenService

KEY = "token-test-secret-key-0123456789abcdef"


def _principal() -> Principal:
    return Principal(kind="account", id=uuid.uuid4(), username="zhangsan", name="张三")


def test_a_kept_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    service = TokenService(KEY, ttl_seconds=60)
    token = service.issue(_principal())
    first = service.verify(token)
    assert service.verify(token) is first  # kept: not decoded again
    later = time.time() + 61
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(Unauthorized) as refused:
        service.verify(token)
    assert refused.value.code == "token_expired"


def test_a_token_altered_after_a_kept_one_is_invalid() -> None:
    service = TokenService(KEY, ttl_seconds=60)
    token = service.issue(_principal())
    service.verify(token)
    header, claims, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for bad in (f"{header}.{claims}.{flipped}", token + "x"):
        with pytest.raises(Unauthorized) as refused:
            service.verify(bad)
        assert refused.value.code == "token_invalid"
    other = TokenService("another-secret-key-0123456789abcdef", 60)
    with pytest.raises(Unauthorized):
        other.verify(token)
