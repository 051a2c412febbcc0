"""Encryption at rest: round trip, rotation, refusal without a key, and raw dumps without plaintext."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import text

from bot.__main__ import encryption_refusal
from storage.crypto import EncryptionKeyError, Keyring
from storage.db import create_engine
from storage.models import Base
from storage.rotation import rotate
from tests.fakes import TEST_KEY, Harness, settings_for_test
from tests.staff_helpers import add_staff, resident_request, ticket

SECRETS = (
    "My mother cannot manage her bills any more.",
    "+81451234567",
    "045-123-4567",
    "Sato",
    "She forgets her medicine",
    "お薬の管理について",
)


def test_round_trip_and_tampering() -> None:
    """Values come back as they went in; a changed byte or an unknown key is refused."""
    keyring = Keyring(TEST_KEY)
    sealed = keyring.encrypt("借金が300万円あります")
    assert sealed.startswith("enc1:test1:") and "借金" not in sealed
    assert keyring.decrypt(sealed) == "借金が300万円あります"
    assert keyring.encrypt("same") != keyring.encrypt("same"), "a fresh nonce every time"
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises((InvalidTag, ValueError)):
        keyring.decrypt(tampered)
    with pytest.raises(EncryptionKeyError):
        Keyring(Keyring.new_key_spec("other")).decrypt(sealed)
    with pytest.raises(EncryptionKeyError):
        Keyring("k1:too-short")


async def _sensitive_activity(harness: Harness) -> int:
    """Intake with answers and a phone, a follow-up, a staff reply waiting in the outbox."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness, form="consultation")
    await resident.send("She forgets her medicine")
    await staff.send(f"/reply {tk.reference} お薬の管理についてお電話します")
    return tk.id


async def _raw_dump(url: str) -> str:
    """Every row of every table as stored, read without any key."""
    engine = create_engine(url)
    parts = []
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = (await conn.execute(text(f"SELECT * FROM {table.name}"))).all()
            parts.append(f"{table.name}: {rows!r}")
    await engine.dispose()
    return "\n".join(parts)


async def test_raw_dump_holds_no_plaintext(harness: Harness) -> None:
    """Neither the database rows nor (SQLite) the file on disk contain the sensitive values."""
    ticket_id = await _sensitive_activity(harness)
    assert (await ticket(harness, ticket_id)).answers["situation"] == SECRETS[0]
    dump = await _raw_dump(harness.settings.resolved_database_url)
    for secret in SECRETS:
        assert secret not in dump, secret
    if harness.engine.dialect.name == "sqlite":
        await harness.engine.dispose()
        path = harness.settings.resolved_database_url.split("///", 1)[1]
        raw = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if Path(p).exists())
        for secret in SECRETS:
            assert secret.encode() not in raw, secret


async def test_rotation_moves_everything_to_the_new_key(harness: Harness) -> None:
    """After rotate-key only the new key is needed, and phone search still works."""
    ticket_id = await _sensitive_activity(harness)
    new_spec = Keyring.new_key_spec("k2")
    both = Keyring(f"{new_spec},{TEST_KEY}")
    counts = await rotate(harness.settings.resolved_database_url, both)
    assert counts["tickets.answers"] >= 1 and counts["ticket_events.data"] >= 1
    dump = await _raw_dump(harness.settings.resolved_database_url)
    assert "enc1:test1:" not in dump and "enc1:k2:" in dump
    settings = settings_for_test(harness.settings.resolved_database_url, encryption_key=new_spec)
    engine = create_engine(settings.resolved_database_url, settings.keyring())
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from storage.tickets import TicketQuery, get_ticket, ticket_page

    async with async_sessionmaker(engine)() as session:
        stored = await get_ticket(session, ticket_id)
        found, total = await ticket_page(session, TicketQuery(phone="+81451234567"), 0, 5)
    await engine.dispose()
    assert stored.answers["situation"] == SECRETS[0]
    assert total == 1 and found[0].id == ticket_id


def test_no_key_refuses_postgresql_and_uses_a_key_file_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Without a key the bot will not store answers in PostgreSQL; SQLite makes a key file."""
    pg = settings_for_test(
        "postgresql+asyncpg://u@127.0.0.1/db", encryption_key=None, data_dir=tmp_path
    )
    assert "MADOGUCHI_ENCRYPTION_KEY" in encryption_refusal(pg)
    lite = settings_for_test(
        f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3", encryption_key=None, data_dir=tmp_path
    )
    assert encryption_refusal(lite) is None
    assert "madoguchi.key" in capsys.readouterr().err
    assert lite.keyring().encrypt("x").startswith("enc1:k1:")
    keyed = settings_for_test("postgresql+asyncpg://u@127.0.0.1/db")
    assert encryption_refusal(keyed) is None


def test_a_malformed_key_is_a_refusal_not_a_crash() -> None:
    """A key that is not 32 bytes of base64 stops start-up with the reason."""
    bad = settings_for_test("postgresql+asyncpg://u@127.0.0.1/db", encryption_key="k1:too-short")
    assert "key 'k1'" in encryption_refusal(bad)
