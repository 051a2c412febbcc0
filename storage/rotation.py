"""Key rotation: re-encrypts every sensitive column with the current key, row by row."""

from __future__ import annotations

from sqlalchemy import text

from storage.crypto import Keyring, needs_rotation
from storage.db import create_engine

# (table, column) of every encrypted value; JSON columns decrypt to JSON text either way.
ENCRYPTED_COLUMNS = (
    ("tickets", "answers"),
    ("tickets", "phone"),
    ("drafts", "state"),
    ("ticket_events", "data"),
    ("residents", "pending_message"),
    ("outbox", "text"),
)
BATCH = 500


async def rotate(url: str, keyring: Keyring) -> dict[str, int]:
    """Re-encrypts values sealed with older keys (or stored plain) and refreshes phone hashes."""
    engine = create_engine(url)  # no keyring: the raw stored strings are read and written here
    counts: dict[str, int] = {}
    try:
        for table, column in ENCRYPTED_COLUMNS:
            counts[f"{table}.{column}"] = await _rotate_column(engine, keyring, table, column)
        async with engine.begin() as conn:
            rows = (
                await conn.execute(text("SELECT id, phone FROM tickets WHERE phone IS NOT NULL"))
            ).all()
            for ticket_id, stored in rows:
                phone_hash = keyring.blind_index(keyring.decrypt(stored))
                await conn.execute(
                    text("UPDATE tickets SET phone_hash = :h WHERE id = :id"),
                    {"h": phone_hash, "id": ticket_id},
                )
    finally:
        await engine.dispose()
    return counts


async def _rotate_column(engine, keyring: Keyring, table: str, column: str) -> int:
    """Re-encrypts one column in batches; returns how many values changed."""
    changed = 0
    last_id = 0
    while True:
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    text(f"SELECT id, {column} FROM {table} WHERE id > :last ORDER BY id LIMIT :n"),
                    {"last": last_id, "n": BATCH},
                )
            ).all()
            for row_id, stored in rows:
                if stored is not None and needs_rotation(stored, keyring):
                    plain = keyring.decrypt(stored)
                    await conn.execute(
                        text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),
                        {"v": keyring.encrypt(plain), "id": row_id},
                    )
                    changed += 1
        if len(rows) < BATCH:
            return changed
        last_id = rows[-1][0]
