"""Field-level encryption of personal data (ID numbers), with rotatable keys.

AES-256-GCM from ``cryptography``; each value carries the id of the key that
sealed it (``gh1.<key id>.<nonce>.<ciphertext>``, base64url), and the column it
belongs to is bound in as associated data, so a value copied into another
column does not decrypt. A keyed hash (HMAC-SHA256, "blind index") of the
normalised value allows exact lookups without decrypting. The small envelope
format is ours because the library offers the primitive, not a column format.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from govhall.settings import Settings, SettingsError

PREFIX = "gh1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())


class FieldCipher:
    """Seal and open personal fields with the current key; open with any known key."""

    def __init__(self, keys: list[tuple[str, bytes]], index_key: bytes) -> None:
        if not keys:
            raise SettingsError("GOVHALL_FIELD_KEYS has no key")
        self.current = keys[0][0]
        self._keys = {kid: AESGCM(key) for kid, key in keys}
        self._index_key = index_key

    @classmethod
    def from_settings(cls, settings: Settings) -> FieldCipher:
        keys: list[tuple[str, bytes]] = []
        for part in (settings.field_keys or "").split(","):
            if not part.strip():
                continue
            kid, _, encoded = part.strip().partition(":")
            try:
                key = _unb64(encoded)
            except ValueError as exc:
                raise SettingsError(f"GOVHALL_FIELD_KEYS: key {kid!r} is not base64") from exc
            if not kid or len(key) != 32:
                raise SettingsError(f"GOVHALL_FIELD_KEYS: key {kid!r} must be 32 bytes")
            keys.append((kid, key))
        # The key derived from the secret (the default) stays readable after keys are
        # configured, so values sealed before the switch open until they are rotated.
        if all(kid != "s0" for kid, _ in keys):
            keys.append(("s0", _derive(settings.secret_key, b"govhall field key")))
        return cls(keys, _derive(settings.secret_key, b"govhall blind index"))

    @staticmethod
    def new_key() -> str:
        return _b64(os.urandom(32))

    def seal(self, value: str, column: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self.current].encrypt(nonce, value.encode(), column.encode())
        return f"{PREFIX}.{self.current}.{_b64(nonce)}.{_b64(sealed)}"

    def open(self, stored: str, column: str) -> str:
        """The plain value; a value stored before encryption is returned as it is."""
        if not stored.startswith(PREFIX + "."):
            return stored
        _, kid, nonce, sealed = stored.split(".", 3)
        cipher = self._keys.get(kid)
        if cipher is None:
            raise SettingsError(f"a value is sealed with key {kid!r}, which is not configured")
        return cipher.decrypt(_unb64(nonce), _unb64(sealed), column.encode()).decode()

    def needs_rotation(self, stored: str) -> bool:
        return not stored.startswith(f"{PREFIX}.{self.current}.")

    def index(self, value: str) -> str:
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()


_cipher: FieldCipher | None = None


def configure(settings: Settings) -> FieldCipher:
    global _cipher
    _cipher = FieldCipher.from_settings(settings)
    return _cipher


def cipher() -> FieldCipher:
    """The process's cipher (configured with the app; from the environment otherwise)."""
    return _cipher or configure(Settings.from_env())
