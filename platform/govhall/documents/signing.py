"""Signatures on issued documents: Ed25519 (``cryptography``) over a canonical form
of the essential fields (msgspec JSON with sorted keys, so the same fields always
give the same bytes). The signing key is derived from the platform's secret key
with HKDF, so every app process signs alike without a key file to distribute; each
public key is kept by its ``key_id`` (``documents_signing_key``), so documents signed
before a rotation of the secret still verify.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


@lru_cache(maxsize=4)
def signing_key(secret_key: str) -> Ed25519PrivateKey:
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"govhall", info=b"document signing v1"
    ).derive(secret_key.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_text(key: Ed25519PrivateKey) -> str:
    return base64.urlsafe_b64encode(public_key_bytes(key)).decode().rstrip("=")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(
        base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    )


def key_id(key: Ed25519PrivateKey) -> str:
    return hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]


def canonical(payload: dict[str, Any]) -> bytes:
    return msgspec.json.encode(payload, order="sorted")


def sign(key: Ed25519PrivateKey, payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(key.sign(canonical(payload))).decode().rstrip("=")


def verify(public: Ed25519PublicKey, payload: dict[str, Any], signature: str) -> bool:
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        public.verify(raw, canonical(payload))
    except (InvalidSignature, ValueError):
        return False
    return True
