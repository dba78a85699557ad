"""Built-in notification channels (``govhall_notification_channels``):

- ``log_sms``: writes each SMS to the ``govhall.sms`` log, for the demo and for
  tenants not yet connected to an SMS provider;
- ``gateway_sms``: the government SMS gateway over HTTP (``GOVHALL_SMS_GATEWAY_URL``);
- ``smtp``: e-mail through an SMTP server (``GOVHALL_SMTP_URL``).

Department vendors add commercial SMS providers the same way, as plugins.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from govhall.notify import outbound
from govhall.sdk import NotificationChannel, hookimpl

sms_log = logging.getLogger("govhall.sms")


class LogSms(NotificationChannel):
    name = "log_sms"
    kind = "sms"

    async def send(self, *, to: str, text: str, subject: str = "") -> str:
        ref = f"log-{uuid.uuid4().hex[:12]}"
        sms_log.info("SMS %s to %s: %s", ref, outbound.mask(to), text)
        return ref


class GatewaySms(NotificationChannel):
    name = "gateway_sms"
    kind = "sms"

    async def send(self, *, to: str, text: str, subject: str = "") -> str:
        url = outbound.settings().sms_gateway_url
        if not url:
            raise outbound.TransportUnavailable("GOVHALL_SMS_GATEWAY_URL is not set")
        import httpx  # on use: a quarter of a second of every process's start-up

        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(url, json={"to": to, "text": text})
            response.raise_for_status()
        try:
            return str(response.json().get("id", ""))
        except ValueError:
            return ""


class SmtpEmail(NotificationChannel):
    name = "smtp"
    kind = "email"

    async def send(self, *, to: str, text: str, subject: str = "") -> str:
        url = outbound.settings().smtp_url
        if not url:
            raise outbound.TransportUnavailable("GOVHALL_SMTP_URL is not set")
        return await asyncio.to_thread(outbound.send_mail, url, to, subject, text)


@hookimpl(trylast=True)
def govhall_notification_channels() -> list[NotificationChannel]:
    return [LogSms(), GatewaySms(), SmtpEmail()]
