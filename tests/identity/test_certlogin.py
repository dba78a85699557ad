"""Certificate sign-in against a tenant's own CA, made here with ``cryptography``."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from govhall.audit.tables import AuditEntry
from tests.conftest import ID_NUMBER, Api

NOW = datetime.now(UTC)


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class CA:
    def __init__(self, name: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def issue(
        self, serial_number: str, *, days: int = 365, start: timedelta = timedelta(days=-1)
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "张三"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW + start)
            .not_valid_after(NOW + start + timedelta(days=days))
            .sign(self.key, hashes.SHA256())
        )
        return cert, key

    def crl(self, *revoked: x509.Certificate, next_update: timedelta = timedelta(days=7)) -> str:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.name)
            .last_update(NOW - timedelta(hours=1))
            .next_update(NOW + next_update)
        )
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(NOW - timedelta(minutes=5))
                .build()
            )
        crl = builder.sign(self.key, hashes.SHA256())
        return crl.public_bytes(serialization.Encoding.PEM).decode()


async def _login(
    api: Api, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, **override: Any
) -> Any:
    challenge = (await api.client.post(api.t("/auth/certificate/challenge"))).json()["challenge"]
    signature = key.sign(challenge.encode(), ec.ECDSA(hashes.SHA256()))
    body = {
        "challenge": challenge,
        "certificate": _pem(cert),
        "signature": base64.b64encode(signature).decode(),
        **override,
    }
    return await api.client.post(api.t("/auth/certificate"), json=body)


async def test_certificate_login_end_to_end_and_every_refusal(api: Api, demo: None) -> None:
    await api.register()
    ca = CA("示范县数字证书认证中心")
    admin = await api.staff("tenantadmin")
    added = await api.client.post(
        api.t("/trusted-cas"), headers=admin, json={"name": "示范CA", "certificate": _pem(ca.cert)}
    )
    assert added.status_code == 201, added.text
    ca_id = added.json()["id"]
    cert, key = ca.issue(ID_NUMBER)
    ok = await _login(api, cert, key)
    assert ok.status_code == 200, ok.text
    me = {"authorization": f"Bearer {ok.json()['access_token']}"}
    assert (await api.client.get(api.t("/inbox"), headers=me)).status_code == 200

    # A replayed challenge, a forged signature, a stranger's CA, an expired certificate.
    challenge = (await api.client.post(api.t("/auth/certificate/challenge"))).json()["challenge"]
    signature = base64.b64encode(key.sign(challenge.encode(), ec.ECDSA(hashes.SHA256()))).decode()
    body = {"challenge": challenge, "certificate": _pem(cert), "signature": signature}
    assert (await api.client.post(api.t("/auth/certificate"), json=body)).status_code == 200
    replay = await api.client.post(api.t("/auth/certificate"), json=body)
    assert replay.status_code == 401 and replay.json()["code"] == "challenge_invalid"
    other_key = ec.generate_private_key(ec.SECP256R1())
    forged = await _login(api, cert, other_key)
    assert forged.json()["code"] == "signature_invalid"
    rogue_cert, rogue_key = CA("某私设CA").issue(ID_NUMBER)
    untrusted = await _login(api, rogue_cert, rogue_key)
    assert untrusted.status_code == 401 and untrusted.json()["code"] == "certificate_untrusted"
    old_cert, old_key = ca.issue(ID_NUMBER, days=10, start=timedelta(days=-30))
    expired = await _login(api, old_cert, old_key)
    assert expired.json()["code"] == "certificate_expired"
    stranger_cert, stranger_key = ca.issue("91110000600037341L")
    unknown = await _login(api, stranger_cert, stranger_key)
    assert unknown.json()["code"] == "certificate_not_registered"

    # Revocation by CRL: a CRL signed by someone else is refused; the CA's own applies.
    foreign = CA("示范县数字证书认证中心")  # same name, different key
    wrong = await api.client.put(
        api.t(f"/trusted-cas/{ca_id}/crl"), headers=admin, json={"crl": foreign.crl(cert)}
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "crl_wrong_issuer"
    installed = await api.client.put(
        api.t(f"/trusted-cas/{ca_id}/crl"), headers=admin, json={"crl": ca.crl(cert)}
    )
    assert installed.status_code == 200
    revoked = await _login(api, cert, key, **{})
    assert revoked.status_code == 401 and revoked.json()["code"] == "certificate_revoked"
    fresh_cert, fresh_key = ca.issue(ID_NUMBER)
    assert (await _login(api, fresh_cert, fresh_key)).status_code == 200
    stale = await api.client.put(
        api.t(f"/trusted-cas/{ca_id}/crl"),
        headers=admin,
        json={"crl": ca.crl(next_update=timedelta(hours=-1))},
    )
    assert stale.status_code == 200
    unknown_status = await _login(api, fresh_cert, fresh_key)
    assert unknown_status.json()["code"] == "certificate_status_unknown"
    english = await api.client.post(
        api.t("/auth/certificate"),
        headers={"Accept-Language": "en"},
        json={"challenge": "x", "certificate": _pem(cert), "signature": ""},
    )
    assert english.status_code == 401 and "challenge" in english.json()["detail"].lower()
    garbage = await _login(api, cert, key, certificate="not a certificate")
    assert garbage.status_code == 422
    failures = await AuditEntry.count().where(AuditEntry.action == "login_failed")
    assert failures == 8  # every refusal above, each with its reason
    # Only administrators manage trust.
    clerk = await api.staff("clerk")
    assert (
        await api.client.post(
            api.t("/trusted-cas"), headers=clerk, json={"name": "x", "certificate": _pem(ca.cert)}
        )
    ).status_code == 403
    not_ca = await api.client.post(
        api.t("/trusted-cas"), headers=admin, json={"name": "leaf", "certificate": _pem(cert)}
    )
    assert not_ca.status_code == 422
    assert (
        await api.client.delete(api.t(f"/trusted-cas/{ca_id}"), headers=admin)
    ).status_code == 204
    assert (await _login(api, fresh_cert, fresh_key)).json()["code"] == "certificate_untrusted"


async def test_an_enterprise_signs_in_through_an_intermediate_ca(api: Api, demo: None) -> None:
    from tests.conftest import CREDIT_CODE

    await api.register(
        "shifan-jiangong",
        kind="enterprise",
        name="示范建工集团有限公司",
        credit_code=CREDIT_CODE,
        id_number=None,
    )
    root = CA("省级根CA")
    intermediate = CA("示范县二级CA")
    intermediate.cert = (
        x509.CertificateBuilder()
        .subject_name(intermediate.name)
        .issuer_name(root.name)
        .public_key(intermediate.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1000))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root.key, hashes.SHA256())
    )
    admin = await api.staff("tenantadmin")
    await api.client.post(
        api.t("/trusted-cas"), headers=admin, json={"name": "省根", "certificate": _pem(root.cert)}
    )
    cert, key = intermediate.issue(CREDIT_CODE)
    without = await _login(api, cert, key)
    assert without.json()["code"] == "certificate_untrusted"
    with_chain = await _login(api, cert, key, chain=[_pem(intermediate.cert)])
    assert with_chain.status_code == 200, with_chain.text
