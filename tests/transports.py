"""Real transports on loopback for notification tests: an SMTP server (aiosmtpd)
and an HTTP SMS gateway that records messages (and can be made to fail)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self.url = ""
        self.failing = False
        """A gateway told to fail answers 500 and records nothing."""

    def code(self, to: str) -> str:
        for recipient, text in reversed(self.messages):
            if recipient == to:
                found = re.search(r"\b(\d{6})\b", text)
                assert found, text
                return found.group(1)
        raise AssertionError(f"no message to {to}: {self.messages}")


class _Mail:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        body = message.get_payload(decode=True).decode()
        for to in envelope.rcpt_tos:
            self.inbox.messages.append((to, body))
        return "250 OK"


@pytest.fixture
def mail() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(_Mail(inbox), hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}?from=noreply@demo.gov.cn"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def sms() -> Iterator[Inbox]:
    inbox = Inbox()

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            if inbox.failing:
                self.send_response(500)
                self.end_headers()
                return
            inbox.messages.append((body["to"], body["text"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    inbox.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()
