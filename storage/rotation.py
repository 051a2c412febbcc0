"""Key rotation: re-encrypts every sensitive column with the current key, row by row."""

from __future__ import annotations

from sqlalchemy import text

from storage.crypto import EncryptedJSON, EncryptedText, Keyring, needs_rotation
from storage.db import create_engine
from storage.line import rehash_line_users
from storage.models import Base

BATCH = 500


def encrypted_columns() -> list[tuple[str, str, str]]:
    """(table, primary key column, column) of every encrypted column the models declare."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (EncryptedText, EncryptedJSON)):
                (key,) = table.primary_key.columns  # batches walk a single-column key
                found.append((table.name, key.name, column.name))
    return found


async def rotate(url: str, keyring: Keyring) -> dict[str, int]:
    """Re-encrypts values sealed with older keys (or stored plain) and refreshes phone hashes."""
    engine = create_engine(url)  # no keyring: the raw stored strings are read and written here
    counts: dict[str, int] = {}
    try:
        for table, key, column in encrypted_columns():
            counts[f"{table}.{column}"] = await _rotate_column(engine, keyring, table, key, column)
        await rehash_phones(engine, keyring)
        await rehash_line_users(engine, keyring)
    finally:
        await engine.dispose()
    return counts


async def rehash_phones(engine, keyring: Keyring, only_plain: bool = False) -> int:
    """Recomputes phone-search hashes with the current key (only_plain: just for phone numbers
    stored before any key, whose hash was unkeyed); returns how many."""
    where = " AND substr(phone, 1, 5) <> 'enc1:'" if only_plain else ""
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                text(f"SELECT id, phone FROM tickets WHERE phone IS NOT NULL{where}")
            )
        ).all()
        for ticket_id, stored in rows:
            await conn.execute(
                text("UPDATE tickets SET phone_hash = :h WHERE id = :id"),
                {"h": keyring.blind_index(keyring.decrypt(stored)), "id": ticket_id},
            )
    return len(rows)


async def _rotate_column(engine, keyring: Keyring, table: str, key: str, column: str) -> int:
    """Re-encrypts one column in batches; returns how many values changed."""
    changed = 0
    last = None
    while True:
        after = "" if last is None else f"WHERE {key} > :last "
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    text(f"SELECT {key}, {column} FROM {table} {after}ORDER BY {key} LIMIT :n"),
                    {"last": last, "n": BATCH} if last is not None else {"n": BATCH},
                )
            ).all()
            for row_key, stored in rows:
                if stored is not None and needs_rotation(stored, keyring):
                    plain = keyring.decrypt(stored)
                    await conn.execute(
                        text(f"UPDATE {table} SET {column} = :v WHERE {key} = :k"),
                        {"v": keyring.encrypt(plain), "k": row_key},
                    )
                    changed += 1
        if len(rows) < BATCH:
            return changed
        last = rows[-1][0]
