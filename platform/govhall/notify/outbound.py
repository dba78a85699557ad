"""Messages that leave govhall: SMS through the government SMS gateway, e-mail by SMTP.

Both go through the job queue so a slow or failing gateway never holds up a
request, and a failure is retried. Without a configured transport, ``dev``
logs the message (the embedded demo shows verification codes in its log);
``prod`` fails the job so an operator sees it. SMTP is the standard library's
``smtplib`` (run in a thread); the SMS gateway is one HTTP call with httpx.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from govhall.jobs.queue import JobQueue
from govhall.settings import Settings

log = logging.getLogger(__name__)

DELIVER = "govhall.notify.outbound.deliver"
Channel = Literal["sms", "email"]

_settings: Settings | None = None


def configure(settings: Settings) -> None:
    """Remember the transports for jobs run in this process (app or worker)."""
    global _settings
    _settings = settings


class TransportUnavailable(RuntimeError):
    """No transport is configured for a channel in ``prod``."""


async def send(queue: JobQueue, channel: Channel, to: str, subject: str, text: str) -> None:
    await queue.enqueue(DELIVER, channel=channel, to=to, subject=subject, text=text)


def mask(to: str) -> str:
    if "@" in to:
        name, _, domain = to.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{to[:3]}****{to[-4:]}"


async def deliver(*, channel: str, to: str, subject: str, text: str) -> None:
    """Job: hand one message to its transport."""
    settings = _settings or Settings.from_env()
    url = settings.sms_gateway_url if channel == "sms" else settings.smtp_url
    if not url:
        if settings.env == "prod":
            raise TransportUnavailable(f"no transport configured for {channel}")
        log.warning("no %s transport configured; message to %s: %s", channel, mask(to), text)
        return
    if channel == "sms":
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(url, json={"to": to, "text": text})
            response.raise_for_status()
        return
    await asyncio.to_thread(_send_mail, url, to, subject, text)


def _send_mail(url: str, to: str, subject: str, text: str) -> None:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    sender = query.get("from", ["noreply@govhall.local"])[0]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port or 465, timeout=10, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port or 25, timeout=10)
    with smtp:
        if query.get("starttls", ["false"])[0].lower() == "true":
            smtp.starttls(context=ssl.create_default_context())
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)
