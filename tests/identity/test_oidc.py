"""OpenID Connect end to end: govhall as provider, and a second govhall federating
its staff sign-in to the first — two real servers on loopback, a cookie-keeping
browser between them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from govhall.audit.tables import AuditEntry
from govhall.settings import Settings
from tests.conftest import DEMO_PASSWORD, Api, free_port, settings_env


class Server:
    def __init__(self, settings: Settings, host: str) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        env = {**os.environ, **settings_env(settings), "GOVHALL_PUBLIC_URL": self.url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "govhall", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise TimeoutError("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        print(self.output())  # shown by pytest when the test fails
        self.log.close()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-20000:]


@pytest.fixture
def servers(settings: Settings) -> Iterator[tuple[Server, Server]]:
    # Different host names keep the two servers' cookies apart in one browser.
    provider, relying = Server(settings, "localhost"), Server(settings, "127.0.0.1")
    try:
        provider.wait()
        relying.wait()
        yield provider, relying
    finally:
        provider.stop()
        relying.stop()


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, html
    return unescape(found.group(1))  # as a browser reads the attribute


async def test_staff_sign_in_federated_to_an_upstream_govhall(
    api: Api, demo: None, servers: tuple[Server, Server]
) -> None:
    provider, relying = servers
    admin = await api.staff("tenantadmin")
    callback = f"{relying.url}/t/demo-county/sso/province/callback"
    client = await api.client.post(
        api.t("/oidc-clients"),
        headers=admin,
        json={"name": "示范县政务服务平台", "redirect_uris": [callback], "audience": "staff"},
    )
    assert client.status_code == 201, client.text
    registered = client.json()
    upstream = await api.client.post(
        api.t("/sso-providers"),
        headers=admin,
        json={
            "key": "province",
            "name": "省统一身份认证平台",
            "audience": "staff",
            "issuer": f"{provider.url}/oidc",
            "client_id": registered["client_id"],
            "client_secret": registered["client_secret"],
        },
    )
    assert upstream.status_code == 201, upstream.text

    async with httpx.AsyncClient(timeout=20) as browser:
        start = await browser.get(
            f"{relying.url}/t/demo-county/sso/province/login", params={"next": "/session"}
        )
        assert start.status_code == 302
        authorize_url = start.headers["location"]
        assert authorize_url.startswith(f"{provider.url}/oidc/authorize?")
        to_login = await browser.get(authorize_url)
        assert to_login.status_code == 302 and "/login?next=" in to_login.headers["location"]
        page = await browser.get(f"{provider.url}{to_login.headers['location']}")
        assert page.status_code == 200
        form = {
            "username": "handler",
            "password": DEMO_PASSWORD,
            "tenant": _hidden(page.text, "tenant"),
            "next": _hidden(page.text, "next"),
            "_csrf_token": _hidden(page.text, "_csrf_token"),
        }
        wrong = await browser.post(f"{provider.url}/login", data={**form, "password": "nope"})
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
        signed_in = await browser.post(f"{provider.url}/login", data=form)
        assert signed_in.status_code == 303, signed_in.text
        back = await browser.get(f"{provider.url}{signed_in.headers['location']}")
        assert back.status_code == 302 and back.headers["location"].startswith(callback), back.text
        finished = await browser.get(back.headers["location"])
        assert finished.status_code == 303, finished.text
        assert finished.headers["location"] == "/session"
        me = await browser.get(f"{relying.url}/session")
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "handler" and me.json()["tenant"] == "demo-county"
        # Replaying the callback (same code and state) does not sign anyone in again.
        replay = await browser.get(back.headers["location"])
        assert replay.status_code == 401
    links = await AuditEntry.count().where(AuditEntry.action == "federated_identity_linked")
    assert links == 1


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_the_provider_checks_clients_codes_and_csrf(api: Api, demo: None) -> None:
    admin = await api.staff("tenantadmin")
    redirect = "https://dept.example.gov.cn/callback"
    registered = (
        await api.client.post(
            api.t("/oidc-clients"),
            headers=admin,
            json={"name": "不动产系统", "redirect_uris": [redirect]},
        )
    ).json()
    bad_uri = await api.client.post(
        api.t("/oidc-clients"),
        headers=admin,
        json={"name": "x", "redirect_uris": ["http://evil.example.com/cb"]},
    )
    assert bad_uri.status_code == 422
    # Sign in to a web session; a form without its CSRF token is refused.
    page = await api.client.get("/login")
    no_csrf = await api.client.post(
        "/login", data={"username": "handler", "password": DEMO_PASSWORD, "tenant": "demo-county"}
    )
    assert no_csrf.status_code == 403
    done = await api.client.post(
        "/login",
        data={
            "username": "handler",
            "password": DEMO_PASSWORD,
            "tenant": "demo-county",
            "next": "//evil.example.com/",
            "_csrf_token": _hidden(page.text, "_csrf_token"),
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/"  # no open redirect
    verifier, challenge = _pkce()
    params: dict[str, Any] = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": redirect,
        "scope": "openid profile",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    elsewhere = await api.client.get(
        "/oidc/authorize", params={**params, "redirect_uri": "https://evil.example.com/cb"}
    )
    assert elsewhere.status_code == 400  # shown here, never redirected to an unregistered URI
    granted = await api.client.get("/oidc/authorize", params=params)
    assert granted.status_code == 302, granted.text
    query = parse_qs(urlsplit(granted.headers["location"]).query)
    assert query["state"] == ["s1"]
    code = query["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        "code_verifier": verifier,
    }
    wrong_secret = await api.client.post(
        "/oidc/token", data=exchange, auth=(registered["client_id"], "not-the-secret")
    )
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    tokens = await api.client.post(
        "/oidc/token", data=exchange, auth=(registered["client_id"], registered["client_secret"])
    )
    # The failed attempt above consumed the code: codes are single-use whoever presents them.
    assert tokens.status_code == 400 and tokens.json()["error"] == "invalid_grant"
    granted = await api.client.get("/oidc/authorize", params=params)
    code = parse_qs(urlsplit(granted.headers["location"]).query)["code"][0]
    tokens = await api.client.post(
        "/oidc/token",
        data={**exchange, "code": code, "code_verifier": "wrong" * 10},
        auth=(registered["client_id"], registered["client_secret"]),
    )
    assert tokens.status_code == 400  # PKCE verifier mismatch
    granted = await api.client.get("/oidc/authorize", params=params)
    code = parse_qs(urlsplit(granted.headers["location"]).query)["code"][0]
    tokens = await api.client.post(
        "/oidc/token",
        data={**exchange, "code": code},
        auth=(registered["client_id"], registered["client_secret"]),
    )
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    keys = KeySet.import_key_set((await api.client.get("/oidc/jwks")).json())
    claims = jwt.decode(body["id_token"], keys).claims
    meta = (await api.client.get("/oidc/.well-known/openid-configuration")).json()
    assert claims["iss"] == meta["issuer"] and claims["aud"] == [registered["client_id"]]
    assert claims["nonce"] == "n1" and claims["preferred_username"] == "handler"
    info = await api.client.get(
        "/oidc/userinfo", headers={"authorization": f"Bearer {body['access_token']}"}
    )
    assert info.json()["govhall_tenant"] == "demo-county"
    # The access token is a govhall API token for the signed-in staff member.
    worklist = await api.client.get(
        api.t("/worklist"), headers={"authorization": f"Bearer {body['access_token']}"}
    )
    assert worklist.status_code == 200
    # A citizen's session does not satisfy a staff client: back to the sign-in page.
    await api.client.post(
        "/logout", headers={"x-csrftoken": api.client.cookies.get("govhall_csrf", "")}
    )
    anonymous = await api.client.get("/oidc/authorize", params=params)
    assert anonymous.status_code == 302 and anonymous.headers["location"].startswith("/login?")
    await asyncio.sleep(0)


async def test_a_platform_console_signs_in_staff_of_any_tenant(api: Api, demo: None) -> None:
    from govhall.identity.operators import create_operator

    await create_operator("console-ops", "运营", "Ops-pass-2026")
    token = await api.client.post(
        "/api/v1/auth/token",
        json={"username": "console-ops", "password": "Ops-pass-2026", "operator": True},
    )
    ops = {"authorization": f"Bearer {token.json()['access_token']}"}
    redirect = "https://console.example.gov.cn/cb"
    made = await api.client.post(
        "/api/v1/operator/oidc-clients",
        headers=ops,
        json={"name": "监察控制台", "redirect_uris": [redirect]},
    )
    assert made.status_code == 201, made.text
    client_id = made.json()["client_id"]
    listed = await api.client.get("/api/v1/operator/oidc-clients", headers=ops)
    assert [c["client_id"] for c in listed.json()] == [client_id]
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": "openid",
    }
    to_login = await api.client.get("/oidc/authorize", params=params)
    assert to_login.status_code == 302
    page = await api.client.get(to_login.headers["location"])
    assert 'name="tenant" autocomplete="organization"' in page.text  # staff say which government
    signed_in = await api.client.post(
        "/login",
        data={
            "username": "supervisor",
            "password": DEMO_PASSWORD,
            "tenant": "demo-county",
            "next": _hidden(page.text, "next"),
            "_csrf_token": _hidden(page.text, "_csrf_token"),
        },
    )
    assert signed_in.status_code == 303
    granted = await api.client.get(signed_in.headers["location"])
    assert granted.status_code == 302 and granted.headers["location"].startswith(redirect)


async def test_signing_in_gives_a_new_session_id(api: Api, demo: None) -> None:
    # An attacker's session id planted in the victim's browser before sign-in…
    await api.client.get("/login")
    planted = "a" * 64
    api.client.cookies.set("govhall_session", planted)
    page = await api.client.get("/login")
    done = await api.client.post(
        "/login",
        data={
            "username": "clerk",
            "password": DEMO_PASSWORD,
            "tenant": "demo-county",
            "_csrf_token": _hidden(page.text, "_csrf_token"),
        },
    )
    assert done.status_code == 303
    issued = done.cookies.get("govhall_session")
    assert issued and issued != planted
    # …is worth nothing afterwards; the new one is the signed-in session.
    for cookie, expected in ((planted, 401), (issued, 200)):
        browser = httpx.AsyncClient(transport=api.client._transport, base_url="http://testserver")
        async with browser:
            browser.cookies.set("govhall_session", cookie)
            assert (await browser.get("/session")).status_code == expected
    set_cookie = done.headers.get("set-cookie", "")
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie.replace("Lax", "lax")
