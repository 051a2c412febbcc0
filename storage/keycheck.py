"""Check values per key id: start-up refuses keys that would seal or read data wrongly."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from sqlalchemy import delete, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from storage.crypto import PREFIX, EncryptionKeyError, Keyring
from storage.db import create_engine
from storage.line import rehash_line_users
from storage.models import KeyCheck
from storage.rotation import encrypted_columns, rehash_phones

CHECK_TEXT = "madoguchi key check"
ROTATE_HELP = (
    "To change keys, keep the old key under its id and add the new one under a new id "
    "(`madoguchi new-key --id k2`, MADOGUCHI_ENCRYPTION_KEY=k2:NEW,k1:OLD), run "
    "`madoguchi rotate-key`, then drop k1:OLD."
)


async def key_refusal(url: str, keyring: Keyring) -> str | None:
    """Why these keys must not be used on this database, else None.

    A key id with a check value must open it. A key id seen for the first time must open the
    values already sealed under its id; then its check value is written (and, for the current
    key, phone numbers stored before any key get a keyed search hash). A key id left out while
    values are still sealed with it is refused; once none are, its check is forgotten.
    """
    engine = create_engine(url)  # no keyring: the stored strings are read as they are
    try:
        async with engine.connect() as conn:
            if not await conn.run_sync(lambda c: inspect(c).has_table(KeyCheck.__tablename__)):
                return "The database is not migrated yet: run `madoguchi migrate` first."
            known = set(await conn.scalars(select(KeyCheck.key_id)))
        for kid in keyring.ids:
            if (refusal := await _check_key(engine, keyring, kid)) is not None:
                return refusal
        if keyring.current not in known:
            await rehash_phones(engine, keyring, only_plain=True)
            await rehash_line_users(engine, keyring, only_plain=True)
        for kid in sorted(known - set(keyring.ids)):
            if await _sealed_sample(engine, kid) is not None:
                return left_out_key(keyring, kid)
            async with engine.begin() as conn:
                await conn.execute(delete(KeyCheck).where(KeyCheck.key_id == kid))
        return None
    finally:
        await engine.dispose()


async def _check_key(engine, keyring: Keyring, kid: str) -> str | None:
    """Checks one key id against its check value, or writes one; a refusal or None."""
    async with engine.connect() as conn:
        sealed = await conn.scalar(select(KeyCheck.sealed).where(KeyCheck.key_id == kid))
    if sealed is None:
        sample = await _sealed_sample(engine, kid)
        if sample is not None and not _opens(keyring, sample):
            return _wrong_key(keyring, kid, "the values already sealed under that id")
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    insert(KeyCheck).values(
                        key_id=kid,
                        sealed=keyring.encrypt(CHECK_TEXT, kid),
                        created_at=datetime.now(UTC),
                    )
                )
            return None
        except IntegrityError:  # another process wrote it first: check against theirs
            async with engine.connect() as conn:
                sealed = await conn.scalar(select(KeyCheck.sealed).where(KeyCheck.key_id == kid))
    if not _opens(keyring, sealed, CHECK_TEXT):
        return _wrong_key(keyring, kid, "its check value in the database")
    return None


def left_out_key(keyring: Keyring, kid: str) -> str:
    """The refusal for a key id left out while values are still sealed with it."""
    return (
        f"Values in the database are still sealed with key {kid!r}, which is not in "
        f"{keyring.source}: nothing could read them. Add {kid!r} back after the "
        f"current key (e.g. MADOGUCHI_ENCRYPTION_KEY={keyring.current}:NEW,{kid}:OLD), "
        f"run `madoguchi rotate-key`, and only then drop it."
    )


def _opens(keyring: Keyring, sealed: str, expected: str | None = None) -> bool:
    """Whether the keys decrypt a sealed value (to the expected text, when given)."""
    try:
        plain = keyring.decrypt(sealed)
    except (InvalidTag, EncryptionKeyError, ValueError):
        return False
    return expected is None or plain == expected


def _wrong_key(keyring: Keyring, kid: str, what: str) -> str:
    """The refusal for a key that is not the one that sealed its id's data."""
    return (
        f"The encryption key {kid!r} in {keyring.source} does not open {what}: it is not the "
        f"key that sealed the data stored under {kid!r}. Nothing was stored with it. Set the "
        f"original key for {kid!r} again (from where you keep a copy). {ROTATE_HELP}"
    )


async def _sealed_sample(engine, kid: str) -> str | None:
    """One stored value sealed under a key id, if any (a full scan when there is none)."""
    prefix = f"{PREFIX}{kid}:"
    async with engine.connect() as conn:
        for table, _key, column in encrypted_columns():
            found = await conn.scalar(
                text(f"SELECT {column} FROM {table} WHERE substr({column}, 1, :n) = :p LIMIT 1"),
                {"n": len(prefix), "p": prefix},
            )
            if found is not None:
                return found
    return None
