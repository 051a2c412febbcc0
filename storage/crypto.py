"""Encryption at rest: AES-GCM with a key id on every value, so keys can rotate.

The keyring is attached to the engine's dialect when the engine is made, so the column
types below find it without any module-global state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1:"


class EncryptionKeyError(ValueError):
    """A key is missing or malformed."""


class Keyring:
    """The encryption keys by id; the first one encrypts, every one can decrypt."""

    def __init__(self, spec: str) -> None:
        self._keys: dict[str, bytes] = {}
        self.current = ""
        for number, item in enumerate(part.strip() for part in spec.split(",") if part.strip()):
            kid, _, encoded = item.rpartition(":")
            kid = kid or f"k{number + 1}"
            try:
                key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except ValueError as exc:
                raise EncryptionKeyError(f"key {kid!r} is not base64") from exc
            if len(key) != 32:
                raise EncryptionKeyError(f"key {kid!r} must be 32 bytes (256 bits), got {len(key)}")
            self._keys[kid] = key
            self.current = self.current or kid
        if not self._keys:
            raise EncryptionKeyError("no key given")

    @staticmethod
    def new_key_spec(kid: str) -> str:
        """A fresh random key in the form the setting takes."""
        return f"{kid}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"

    def encrypt(self, plaintext: str) -> str:
        """Encrypts text with the current key."""
        nonce = os.urandom(12)
        sealed = AESGCM(self._keys[self.current]).encrypt(
            nonce, plaintext.encode(), self.current.encode()
        )
        return f"{PREFIX}{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        """Decrypts a stored value (plain values, from before encryption, pass through)."""
        if not stored.startswith(PREFIX):
            return stored
        kid, _, payload = stored[len(PREFIX) :].partition(":")
        if kid not in self._keys:
            raise EncryptionKeyError(f"value encrypted with key {kid!r}, which is not configured")
        raw = base64.b64decode(payload)
        return AESGCM(self._keys[kid]).decrypt(raw[:12], raw[12:], kid.encode()).decode()

    def blind_index(self, value: str) -> str:
        """A keyed hash for finding a value by equality without storing it (e.g. a phone)."""
        key = hashlib.sha256(self._keys[self.current] + b"madoguchi-search").digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def keyring_of(dialect) -> Keyring | None:
    """The keyring attached to an engine's dialect, if any."""
    return getattr(dialect, "madoguchi_keyring", None)


def needs_rotation(stored: str | None, keyring: Keyring) -> bool:
    """Whether a stored value is plain or sealed with a key other than the current one."""
    return stored is not None and not stored.startswith(f"{PREFIX}{keyring.current}:")


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest when the engine has a keyring."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        keyring = keyring_of(dialect)
        if value is None or keyring is None:
            return value
        return keyring.encrypt(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if value is None or not value.startswith(PREFIX):
            return value
        keyring = keyring_of(dialect)
        if keyring is None:
            raise EncryptionKeyError("encrypted data, but MADOGUCHI_ENCRYPTION_KEY is not set")
        return keyring.decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    """JSON encrypted at rest when the engine has a keyring."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> str | None:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False)
        keyring = keyring_of(dialect)
        return keyring.encrypt(text) if keyring else text

    def process_result_value(self, value: str | None, dialect) -> Any:
        if value is None:
            return None
        if value.startswith(PREFIX):
            keyring = keyring_of(dialect)
            if keyring is None:
                raise EncryptionKeyError("encrypted data, but MADOGUCHI_ENCRYPTION_KEY is not set")
            value = keyring.decrypt(value)
        return json.loads(value)
