"""Identity API shapes (msgspec Structs)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec


class AccountCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    password: str
    kind: Literal["individual", "enterprise"]
    name: str
    id_number: str | None = None
    credit_code: str | None = None
    phone: str | None = None
    email: str | None = None
    tenant: str | None = None
    """The portal (tenant slug) registered on; its administrators look after the account."""


class AccountOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    username: str
    kind: str
    name: str
    id_number_masked: str | None
    credit_code: str | None
    phone: str | None
    email: str | None
    created_at: datetime


class TokenRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    password: str
    tenant: str | None = None
    """The tenant slug, for staff logins."""
    operator: bool = False
    """A platform operator's login (no tenant)."""


class TokenOut(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str = ""
    """Use once at ``/api/v1/auth/refresh`` for a new pair."""
    refresh_expires_in: int = 0


class RefreshRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    refresh_token: str


class LogoutRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    refresh_token: str | None = None
