"""Digital-certificate sign-in (R-I2) against the CAs a tenant trusts.

The client asks for a challenge, signs it with the private key of its X.509
certificate, and sends the certificate (with any intermediates) and the
signature. govhall checks, with the ``cryptography`` library: the challenge is
live and unused; every certificate in the chain is within its validity and
signed by the next, ending at a CA the tenant trusts; the leaf is not on that
CA's current CRL (a CRL past its next update counts as unknown status and is
refused); the key may sign; and the signature is the leaf key's over the
challenge. The subject's ``serialNumber`` carries the holder's resident ID
(individuals) or unified social credit code (enterprises), as Chinese CAs
issue them, and names the account to sign in.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from litestar.stores.base import Store

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import InvalidInput, NotFound, Unauthorized
from govhall.i18n import N_
from govhall.identity import fieldcrypt, realname
from govhall.identity.schemas import TokenOut
from govhall.identity.services import require_admin_scope
from govhall.identity.sessions import issue_pair
from govhall.identity.tables import Account, TrustedCA
from govhall.identity.tokens import Principal, TokenService
from govhall.tenancy.schemas import TenantInfo

CHALLENGE_SECONDS = 120


class TrustedCAIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    certificate: str
    """PEM."""


class CrlIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    crl: str
    """PEM certificate revocation list signed by the CA."""


class TrustedCAOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    subject: str
    fingerprint: str
    not_after: datetime
    crl_next_update: datetime | None


class Challenge(msgspec.Struct, kw_only=True):
    challenge: str
    expires_in: int


class CertificateLogin(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    challenge: str
    certificate: str
    """The holder's certificate, PEM."""
    signature: str
    """Base64 signature of the challenge's UTF-8 bytes (RSA PKCS#1 v1.5 or ECDSA, SHA-256)."""
    chain: list[str] = msgspec.field(default_factory=list)
    """Intermediate CA certificates (PEM), leaf's issuer first."""


def _refuse(message: str, code: str, **params: Any) -> Unauthorized:
    return Unauthorized(message, code=code, **params)


def _load_cert(pem: str, field: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise InvalidInput(
            N_("证书格式无效，请提供 PEM 格式的证书"), code="certificate_malformed", field=field
        ) from exc


def _ca_out(row: TrustedCA) -> TrustedCAOut:
    cert = x509.load_pem_x509_certificate(row.certificate.encode())
    return TrustedCAOut(
        id=row.id,
        name=row.name,
        subject=cert.subject.rfc4514_string(),
        fingerprint=row.fingerprint,
        not_after=cert.not_valid_after_utc,
        crl_next_update=row.crl_next_update,
    )


async def list_cas(tenant: TenantInfo, admin: Principal) -> list[TrustedCAOut]:
    await require_admin_scope(tenant, admin)
    return [_ca_out(r) for r in await TrustedCA.objects().where(TrustedCA.tenant == tenant.id)]


async def add_ca(tenant: TenantInfo, admin: Principal, data: TrustedCAIn, ip: str) -> TrustedCAOut:
    await require_admin_scope(tenant, admin)
    cert = _load_cert(data.certificate, "certificate")
    constraints = _extension(cert, x509.BasicConstraints)
    if constraints is None or not constraints.ca:
        raise InvalidInput(N_("该证书不是 CA 证书"), code="not_a_ca_certificate")
    row = TrustedCA(
        tenant=tenant.id,
        name=data.name.strip() or cert.subject.rfc4514_string(),
        certificate=data.certificate.strip(),
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
    )
    async with db.transaction():
        await row.save()
        await record(
            tenant.id,
            Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
            "trusted_ca_added",
            target=row.fingerprint,
            detail={"name": row.name},
        )
    return _ca_out(row)


async def _own_ca(tenant: TenantInfo, ca_id: uuid.UUID) -> TrustedCA:
    row = (
        await TrustedCA.objects()
        .where((TrustedCA.tenant == tenant.id) & (TrustedCA.id == ca_id))
        .first()
    )
    if row is None:
        raise NotFound(N_("找不到该信任的证书机构"), code="trusted_ca_not_found")
    return row


async def update_crl(
    tenant: TenantInfo, admin: Principal, ca_id: uuid.UUID, data: CrlIn, ip: str
) -> TrustedCAOut:
    """Install the CA's latest CRL, after checking the CA signed it."""
    await require_admin_scope(tenant, admin)
    row = await _own_ca(tenant, ca_id)
    try:
        crl = x509.load_pem_x509_crl(data.crl.encode())
    except ValueError as exc:
        raise InvalidInput(N_("吊销列表格式无效"), code="crl_malformed") from exc
    ca = x509.load_pem_x509_certificate(row.certificate.encode())
    if crl.issuer != ca.subject or not crl.is_signature_valid(ca.public_key()):  # type: ignore[arg-type]
        raise InvalidInput(N_("吊销列表不是该证书机构签发的"), code="crl_wrong_issuer")
    row.crl = data.crl.strip()
    row.crl_next_update = crl.next_update_utc
    async with db.transaction():
        await row.save()
        await record(
            tenant.id,
            Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
            "trusted_ca_crl_updated",
            target=row.fingerprint,
            detail={"revoked": len(list(crl))},
        )
    return _ca_out(row)


async def remove_ca(tenant: TenantInfo, admin: Principal, ca_id: uuid.UUID, ip: str) -> None:
    await require_admin_scope(tenant, admin)
    row = await _own_ca(tenant, ca_id)
    async with db.transaction():
        await TrustedCA.delete().where(TrustedCA.id == row.id)
        await record(
            tenant.id,
            Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
            "trusted_ca_removed",
            target=row.fingerprint,
        )


async def new_challenge(tenant: TenantInfo, store: Store) -> Challenge:
    challenge = f"govhall:{tenant.slug}:{secrets.token_urlsafe(24)}"
    await store.set(_challenge_key(challenge), b"1", expires_in=CHALLENGE_SECONDS)
    return Challenge(challenge=challenge, expires_in=CHALLENGE_SECONDS)


def _challenge_key(challenge: str) -> str:
    return "certchallenge:" + hashlib.sha256(challenge.encode()).hexdigest()


def _extension(cert: x509.Certificate, kind: type[Any]) -> Any:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _verify_signature(cert: x509.Certificate, signature: bytes, data: bytes) -> bool:
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True


async def _trust_anchor(
    tenant: TenantInfo, leaf: x509.Certificate, chain: list[x509.Certificate], now: datetime
) -> TrustedCA:
    """The trusted CA the chain ends at, after checking every link and date."""
    anchors = await TrustedCA.objects().where(TrustedCA.tenant == tenant.id)
    trusted = [(row, x509.load_pem_x509_certificate(row.certificate.encode())) for row in anchors]
    current = leaf
    for _ in range(len(chain) + 1):
        if not current.not_valid_before_utc <= now <= current.not_valid_after_utc:
            raise _refuse(N_("证书不在有效期内"), "certificate_expired")
        for row, ca in trusted:
            if current.issuer == ca.subject:
                try:
                    current.verify_directly_issued_by(ca)
                except (ValueError, TypeError, InvalidSignature):
                    continue
                if not ca.not_valid_before_utc <= now <= ca.not_valid_after_utc:
                    raise _refuse(N_("证书不在有效期内"), "certificate_expired")
                return row
        parent = next((c for c in chain if c.subject == current.issuer), None)
        if parent is None:
            break
        try:
            current.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            break
        constraints = _extension(parent, x509.BasicConstraints)
        if constraints is None or not constraints.ca:
            break
        current = parent
    raise _refuse(N_("证书不是本地区信任的证书机构签发的"), "certificate_untrusted")


def _check_revocation(anchor: TrustedCA, leaf: x509.Certificate, now: datetime) -> None:
    if not anchor.crl:
        return
    crl = x509.load_pem_x509_crl(anchor.crl.encode())
    next_update = crl.next_update_utc
    if next_update is not None and next_update < now:
        raise _refuse(
            N_("无法确认证书状态（吊销列表已过期），请联系管理员"), "certificate_status_unknown"
        )
    if crl.get_revoked_certificate_by_serial_number(leaf.serial_number) is not None:
        raise _refuse(N_("证书已被吊销"), "certificate_revoked")


async def _account_for(leaf: x509.Certificate) -> Account | None:
    values = leaf.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if not values:
        return None
    number = str(values[0].value).strip().upper()
    if realname.is_valid_id_number(number):
        index = fieldcrypt.cipher().index(realname.normalise_id_number(number))
        return (
            await Account.objects()
            .where((Account.id_number_index == index) & (Account.kind == "individual"))
            .first()
        )
    if realname.is_valid_credit_code(number):
        return (
            await Account.objects()
            .where((Account.credit_code == number) & (Account.kind == "enterprise"))
            .first()
        )
    return None


async def certificate_login(
    tenant: TenantInfo,
    data: CertificateLogin,
    store: Store,
    tokens: TokenService,
    ip: str,
) -> TokenOut:
    anonymous = Actor(kind="anonymous", ip=ip)
    key = _challenge_key(data.challenge)
    leaf = _load_cert(data.certificate, "certificate")
    chain = [_load_cert(pem, "chain") for pem in data.chain]
    now = datetime.now(UTC)
    try:
        # Single use: the first presentation deletes it, a replay finds nothing.
        live = data.challenge.startswith(f"govhall:{tenant.slug}:") and await store.get(key)
        if not live:
            raise _refuse(N_("登录挑战无效或已过期，请重新获取"), "challenge_invalid")
        await store.delete(key)
        anchor = await _trust_anchor(tenant, leaf, chain, now)
        _check_revocation(anchor, leaf, now)
        usage = _extension(leaf, x509.KeyUsage)
        if usage is not None and not usage.digital_signature:
            raise _refuse(N_("该证书不能用于签名登录"), "certificate_usage")
        try:
            signature = base64.b64decode(data.signature, validate=True)
        except ValueError:
            signature = b""
        if not _verify_signature(leaf, signature, data.challenge.encode()):
            raise _refuse(N_("签名验证失败"), "signature_invalid")
        account = await _account_for(leaf)
        if account is None or account.status != "active":
            raise _refuse(
                N_("该证书没有对应的实名账号，请先注册或联系管理员"), "certificate_not_registered"
            )
    except Unauthorized as error:
        await record(
            tenant.id,
            anonymous,
            "login_failed",
            target=leaf.subject.rfc4514_string()[:64],
            detail={"method": "certificate", "reason": error.code},
        )
        raise
    await Account.update({Account.last_login_at: now}).where(Account.id == account.id)
    principal = Principal(
        kind="account", id=account.id, username=account.username, name=account.name
    )
    await record(
        tenant.id,
        Actor(kind="account", id=str(account.id), name=account.name, ip=ip),
        "login",
        target=account.username,
        detail={"method": "certificate", "serial": format(leaf.serial_number, "x")},
    )
    return await issue_pair(principal, tokens)
