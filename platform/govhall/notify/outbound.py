"""Messages that leave govhall: SMS and e-mail through notification channels
(plugins; built-in: ``log_sms``, ``gateway_sms``, ``smtp`` in
:mod:`govhall.builtin.channels`).

Everything goes through the job queue so a slow or failing provider never holds
up a request, and a failure is retried. One-time codes use the platform's
transports: without one configured, ``dev`` logs the message (the embedded demo
shows verification codes in its log); ``prod`` fails the job so an operator sees
it. SMTP is the standard library's ``smtplib`` (run in a thread).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from govhall.jobs.queue import JobQueue
from govhall.sdk import NotificationChannel
from govhall.settings import Settings

log = logging.getLogger(__name__)

DELIVER = "govhall.notify.outbound.deliver"
Channel = Literal["sms", "email"]

_settings: Settings | None = None


_channels: dict[str, NotificationChannel] | None = None


def configure(settings: Settings, channels: dict[str, NotificationChannel] | None = None) -> None:
    """Remember the transports for jobs run in this process (app or worker)."""
    global _settings, _channels
    _settings = settings
    if channels is not None:
        _channels = channels


def settings() -> Settings:
    return _settings or Settings.from_env()


def channels() -> dict[str, NotificationChannel]:
    """The notification channels plugins provide (loaded once in a worker process)."""
    global _channels
    if _channels is None:
        from govhall.plugins import PluginRegistry, get_plugin_manager

        _channels = PluginRegistry(get_plugin_manager()).channels
    return _channels


def platform_channel(kind: Channel) -> str:
    """The channel the platform's own messages (one-time codes) go through."""
    configured = settings().sms_gateway_url if kind == "sms" else settings().smtp_url
    if configured:
        return "gateway_sms" if kind == "sms" else "smtp"
    return ""


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
    """Job: hand one platform message (a one-time code) to its transport."""
    name = platform_channel("sms" if channel == "sms" else "email")
    if not name:
        if settings().env == "prod":
            raise TransportUnavailable(f"no transport configured for {channel}")
        log.warning("no %s transport configured; message to %s: %s", channel, mask(to), text)
        return
    await channels()[name].send(to=to, text=text, subject=subject)


def send_mail(url: str, to: str, subject: str, text: str) -> str:
    """Send one e-mail through the SMTP server at ``url``; returns its Message-ID."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    sender = query.get("from", ["noreply@govhall.local"])[0]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or "govhall.local")
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
    return str(message["Message-ID"])
