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
import re
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1:"


class EncryptionKeyError(ValueError):
    """A key is missing or malformed."""


KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
IDS_HELP = (
    "with several keys, write each as id:key, the new one first, e.g. "
    "MADOGUCHI_ENCRYPTION_KEY=k2:NEW,k1:OLD (a single key without an id is k1)"
)


class Keyring:
    """The encryption keys by id; the first one encrypts, every one can decrypt."""

    def __init__(self, spec: str, source: str = "MADOGUCHI_ENCRYPTION_KEY") -> None:
        self._keys: dict[str, bytes] = {}
        self.source = source
        items = [part.strip() for part in spec.split(",") if part.strip()]
        for number, item in enumerate(items, start=1):
            kid, _, encoded = item.rpartition(":")
            if not kid and len(items) > 1:
                raise EncryptionKeyError(
                    f"{source}: key {number} of {len(items)} has no id; {IDS_HELP}"
                )
            kid = kid or "k1"
            if not KEY_ID.fullmatch(kid):
                raise EncryptionKeyError(
                    f"{source}: key id {kid!r} must be 1-32 letters, digits, _ or -"
                )
            if kid in self._keys:
                raise EncryptionKeyError(
                    f"{source} names key id {kid!r} twice; give each key its own id: {IDS_HELP}"
                )
            try:
                key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except ValueError as exc:
                raise EncryptionKeyError(f"{source}: key {kid!r} is not base64") from exc
            if len(key) != 32:
                raise EncryptionKeyError(
                    f"{source}: key {kid!r} must be 32 bytes (256 bits), got {len(key)}"
                )
            self._keys[kid] = key
        if not self._keys:
            raise EncryptionKeyError(f"{source}: no key given")
        self.current = next(iter(self._keys))

    @property
    def ids(self) -> list[str]:
        """The key ids, the current one first."""
        return list(self._keys)

    @staticmethod
    def new_key_spec(kid: str) -> str:
        """A fresh random key in the form the setting takes."""
        return f"{kid}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"

    def encrypt(self, plaintext: str, kid: str | None = None) -> str:
        """Encrypts text with the current key (or the key with the given id)."""
        kid = kid or self.current
        nonce = os.urandom(12)
        sealed = AESGCM(self._keys[kid]).encrypt(nonce, plaintext.encode(), kid.encode())
        return f"{PREFIX}{kid}:{base64.b64encode(nonce + sealed).decode()}"

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


def read_or_create_key_file(path: Path) -> str:
    """The key spec in a key file; a missing file is first made (mode 0600) with a new key k1."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f".{path.name}.{os.urandom(6).hex()}")
        with os.fdopen(os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            fh.write(Keyring.new_key_spec("k1") + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(fresh, path)  # never replaces a file another process made meanwhile
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    return path.read_text().strip()
