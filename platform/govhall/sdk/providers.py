"""Provider interfaces a plugin may implement: notification channels (SMS),
payment providers and identity providers.

The platform calls these through hooks (``govhall_notification_channels``,
``govhall_payment_providers``, ``govhall_identity_providers``); each provider is
registered under a unique ``name`` that tenants choose in their settings.
"""

from __future__ import annotations

import abc
from typing import Literal

import msgspec


class NotificationChannel(abc.ABC):
    """Sends a short message to one address (a phone number, an e-mail address)."""

    #: Unique name tenants refer to, e.g. ``aliyun_sms``.
    name: str = ""
    kind: Literal["sms", "email", "app"] = "sms"

    @abc.abstractmethod
    async def send(self, *, to: str, text: str, subject: str = "") -> str:
        """Send ``text``; return the provider's message id. Raise on failure, so the
        job queue retries and finally records the failure."""


class PaymentOrder(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    amount_fen: int
    subject: str


class PaymentRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Where to send the payer, and the provider's reference for the order."""

    pay_url: str
    provider_ref: str


class PaymentNotice(msgspec.Struct, frozen=True, kw_only=True):
    """A verified notice that an order was paid."""

    order_id: str
    paid_fen: int
    provider_ref: str


class PaymentProvider(abc.ABC):
    """A payment channel (统一公共支付平台, bank)."""

    name: str = ""
    label: str = ""

    @abc.abstractmethod
    async def create_payment(self, order: PaymentOrder, *, notify_url: str) -> PaymentRequest:
        """Register ``order`` with the provider."""

    @abc.abstractmethod
    async def verify_notice(self, headers: dict[str, str], body: bytes) -> PaymentNotice:
        """Check the provider's signature on a callback and decode it; raise when the
        signature does not verify."""


class IdentityProviderSpec(msgspec.Struct, frozen=True, kw_only=True):
    """An external login (OIDC single sign-on, or a certificate authority)."""

    name: str
    label: str
    label_en: str = ""
    kind: Literal["oidc", "certificate"]
    issuer: str = ""
    """OIDC issuer URL; its discovery document is read with Authlib."""
    client_id: str = ""
    client_secret_setting: str = ""
    """Name of the environment variable holding the client secret (never the secret)."""
    scopes: tuple[str, ...] = ("openid", "profile")
    audience: Literal["public", "staff"] = "public"
