"""Keys fail safe: check values per key id, explicit ids, a key file for SQLite, rotation as the
README tells it."""

from __future__ import annotations

import asyncio
import itertools
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select, text

from bot.__main__ import encryption_refusal, key_refusal
from bot.i18n import Catalogs
from bot.settings import Settings
from storage.crypto import EncryptionKeyError, Keyring
from storage.db import create_engine, create_sessionmaker
from storage.models import Base
from storage.updates import last_processed_update_id
from tests.fakes import Harness, settings_for_test
from tests.staff_helpers import ADMIN_ID, add_staff, resident_request

PHONE = "045-123-4567"
PROJECT = Path(__file__).resolve().parent.parent


def _madoguchi(
    data_dir: Path, *args: str, stdin: str = "", **env_vars: str
) -> subprocess.CompletedProcess[str]:
    """Runs `python -m bot …` with only the given MADOGUCHI_* variables set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env.update(PYTHONIOENCODING="utf-8", PYTHONPATH=str(PROJECT), MADOGUCHI_DATA_DIR=str(data_dir))
    env.update({f"MADOGUCHI_{name.upper()}": value for name, value in env_vars.items()})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=data_dir,
        env=env,
        timeout=120,
    )


async def _start_up(database_url: str, tmp_path: Path, spec: str | None) -> str | None:
    """What `madoguchi run` checks before it starts, after migrating: a refusal or None."""
    settings = settings_for_test(database_url, encryption_key=spec, data_dir=tmp_path)
    return await asyncio.to_thread(lambda: encryption_refusal(settings) or key_refusal(settings))


async def _open(database_url: str, spec: str, catalogs: Catalogs) -> Harness:
    """The real Application on a database with the given keys."""
    settings = settings_for_test(database_url, encryption_key=spec)
    return await _start(settings, settings.keyring(), catalogs)


async def _start(settings: Settings, keyring: Keyring | None, catalogs: Catalogs) -> Harness:
    """The real Application on the settings' database, sealing with a keyring (or none)."""
    engine = create_engine(settings.resolved_database_url, keyring)
    harness = Harness(settings, engine, create_sessionmaker(engine), catalogs)
    async with harness.db() as session:  # update ids go on from earlier runs, as Telegram's do
        harness.update_ids = itertools.count(await last_processed_update_id(session) + 1)
    await harness.app.initialize()
    return harness


async def _close(harness: Harness) -> None:
    """Stops the Application; fails when a handler raised."""
    await harness.app.shutdown()
    await harness.engine.dispose()
    assert harness.errors == [], harness.errors


async def _activity(harness: Harness) -> str:
    """A consultation with a phone number and a staff reply waiting; returns its reference."""
    staff = await add_staff(harness, 700001, "佐藤")
    _resident, tk = await resident_request(harness, form="consultation")
    await staff.send(f"/reply {tk.reference} お電話します")
    return tk.reference


async def _staff_read(harness: Harness, reference: str) -> None:
    """/queue, /search by phone and /export all work and find the ticket."""
    staff = harness.staff(700001, "佐藤")
    for command in ("/queue", f"/search {PHONE}"):
        await staff.send(command)
        assert reference in staff.last.text, command
    admin = harness.resident(ADMIN_ID, language="ja")
    payload = admin.message_payload(text="/export 2026-11-01 2026-11-30")
    payload["chat"] = {"id": harness.settings.staff_chat_id, "type": "supergroup", "title": "s"}
    payload["entities"] = [{"type": "bot_command", "offset": 0, "length": 7}]
    before = len(harness.api.sent_to(ADMIN_ID))
    await admin.deliver({"update_id": next(harness.update_ids), "message": payload})
    # A file with personal data goes to the asking staff member's private chat.
    documents = [m.document for m in harness.api.sent_to(ADMIN_ID)[before:] if m.document]
    assert len(documents) == 1 and reference.encode() in documents[0]
    assert harness.errors == [], harness.errors


async def _read_every_row(database_url: str, keyring: Keyring) -> int:
    """Loads every row of every table through the keys (decrypting every sealed value)."""
    engine = create_engine(database_url, keyring)
    rows = 0
    async with create_sessionmaker(engine)() as session:
        for mapper in Base.registry.mappers:
            rows += len((await session.scalars(select(mapper.class_))).all())
    await engine.dispose()
    return rows


async def _raw(database_url: str, sql: str) -> list:
    """Rows of a query on the stored strings, without any key."""
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(text(sql))).all()
    await engine.dispose()
    return rows


# --- explicit ids ----------------------------------------------------------------------------


def test_a_single_key_without_id_is_k1_as_before() -> None:
    """Backwards compatible: one bare key is key k1."""
    bare = Keyring.new_key_spec("k1").split(":", 1)[1]
    assert Keyring(bare).current == "k1"
    assert Keyring(bare).encrypt("x").startswith("enc1:k1:")


def test_several_keys_need_ids() -> None:
    """`NEW,OLD` would make NEW k1 and break every value sealed with the old k1: refused."""
    new = Keyring.new_key_spec("x").split(":", 1)[1]
    old = Keyring.new_key_spec("x").split(":", 1)[1]
    for spec in (f"{new},{old}", f"k2:{new},{old}", f"{new},k1:{old}"):
        with pytest.raises(EncryptionKeyError, match="id:key") as caught:
            Keyring(spec)
        assert "k2:NEW,k1:OLD" in str(caught.value)
    assert Keyring(f"k2:{new},k1:{old}").current == "k2"


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    """Two keys under one id: refused with the id named, by the keyring and at start-up."""
    spec = f"{Keyring.new_key_spec('k1')},{Keyring.new_key_spec('k1')}"
    with pytest.raises(EncryptionKeyError, match="'k1' twice"):
        Keyring(spec)
    settings = settings_for_test(f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3", encryption_key=spec)
    refusal = encryption_refusal(settings)
    assert refusal is not None and "'k1' twice" in refusal


def test_bad_ids_are_refused() -> None:
    """Ids are short words of letters, digits, _ and -."""
    key = Keyring.new_key_spec("x").split(":", 1)[1]
    for kid in ("a b", "é", "x" * 40):
        with pytest.raises(EncryptionKeyError, match="id"):
            Keyring(f"{kid}:{key},k1:{key}")


# --- check values ----------------------------------------------------------------------------


async def test_a_wrong_key_under_the_right_id_is_refused(
    database_url: str, catalogs: Catalogs, tmp_path: Path
) -> None:
    """Start-up refuses a key that does not open its id's check value; data stays readable."""
    right = Keyring.new_key_spec("k1")
    wrong = Keyring.new_key_spec("k1")
    assert await _start_up(database_url, tmp_path, right) is None
    assert [kid for (kid,) in await _raw(database_url, "SELECT key_id FROM key_checks")] == ["k1"]
    harness = await _open(database_url, right, catalogs)
    reference = await _activity(harness)
    await _close(harness)

    refusal = await _start_up(database_url, tmp_path, wrong)
    assert refusal is not None and "'k1'" in refusal and "does not open" in refusal
    assert "its check value" in refusal and "rotate-key" in refusal

    harness = await _open(database_url, right, catalogs)
    await _staff_read(harness, reference)
    await _close(harness)


async def test_run_refuses_a_wrong_key_before_it_starts(database_url: str, tmp_path: Path) -> None:
    """`madoguchi run` itself stops with status 2 and the reason, before reaching Telegram."""
    assert await _start_up(database_url, tmp_path, Keyring.new_key_spec("k1")) is None
    refused = _madoguchi(
        tmp_path,
        "run",
        database_url=database_url,
        encryption_key=Keyring.new_key_spec("k1"),
        bot_token="123456:not-a-real-token",
        staff_chat_id="-1001",
        bot_api_url="http://127.0.0.1:9/bot",
    )
    assert refused.returncode == 2, refused.stderr
    assert "'k1'" in refused.stderr and "does not open" in refused.stderr
    assert "Traceback" not in refused.stderr


async def test_a_key_never_seen_must_open_the_data_it_claims(
    database_url: str, catalogs: Catalogs, tmp_path: Path
) -> None:
    """Data sealed before check values existed: a wrong key under its id is refused before any
    check is written; the right key gets its check written."""
    right = Keyring.new_key_spec("k1")
    harness = await _open(database_url, right, catalogs)
    await _activity(harness)
    await _close(harness)

    refusal = await _start_up(database_url, tmp_path, Keyring.new_key_spec("k1"))
    assert refusal is not None and "'k1'" in refusal and "already sealed" in refusal
    assert await _raw(database_url, "SELECT key_id FROM key_checks") == []

    assert await _start_up(database_url, tmp_path, right) is None
    assert len(await _raw(database_url, "SELECT key_id FROM key_checks")) == 1


async def test_dropping_a_key_still_needed_is_refused(
    database_url: str, catalogs: Catalogs, tmp_path: Path
) -> None:
    """Dropping k1 before rotate-key would leave values nobody can read: start-up refuses."""
    old = Keyring.new_key_spec("k1")
    assert await _start_up(database_url, tmp_path, old) is None
    harness = await _open(database_url, old, catalogs)
    await _activity(harness)
    await _close(harness)

    refusal = await _start_up(database_url, tmp_path, Keyring.new_key_spec("k2"))
    assert refusal is not None and "'k1'" in refusal and "rotate-key" in refusal


# --- the key file (SQLite without a configured key) ---------------------------------------------


async def test_sqlite_without_a_key_makes_a_key_file(
    tmp_path: Path, catalogs: Catalogs, capsys: pytest.CaptureFixture
) -> None:
    """First start makes <data dir>/madoguchi.key (0600, apart from the database file), says
    where it is, and data is encrypted from the first message; later starts reuse it."""
    from storage import migrate

    url = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'madoguchi.sqlite3'}"
    await asyncio.to_thread(migrate.upgrade, url)
    assert await _start_up(url, tmp_path, None) is None
    key_file = tmp_path / "madoguchi.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    spec = key_file.read_text().strip()
    assert Keyring(spec).current == "k1"
    err = capsys.readouterr().err
    assert str(key_file) in err and "UNENCRYPTED" not in err

    settings = settings_for_test(url, encryption_key=None, data_dir=tmp_path)
    harness = await _start(settings, settings.keyring(), catalogs)
    await _activity(harness)
    await harness.resident(5003).send("/start")
    await _close(harness)
    assert await _start_up(url, tmp_path, None) is None
    assert key_file.read_text().strip() == spec
    stored = await _raw(
        url,
        "SELECT answers FROM tickets UNION ALL SELECT phone FROM tickets "
        "UNION ALL SELECT text FROM outbox UNION ALL SELECT data FROM ticket_events",
    )
    assert stored and all(v.startswith("enc1:k1:") for (v,) in stored if v is not None)


def test_the_key_file_can_be_placed_elsewhere(tmp_path: Path) -> None:
    """MADOGUCHI_ENCRYPTION_KEY_FILE names the file; a configured key wins over any file."""
    key_file = tmp_path / "secrets" / "bot.key"
    settings = settings_for_test(
        f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3",
        encryption_key=None,
        data_dir=tmp_path,
        encryption_key_file=key_file,
    )
    keyring = settings.keyring()
    assert keyring is not None and key_file.exists() and not (tmp_path / "madoguchi.key").exists()
    assert settings.keyring().encrypt("x").startswith("enc1:k1:")
    explicit = settings.model_copy(
        update={"encryption_key": SecretStr(Keyring.new_key_spec("own"))}
    )
    assert explicit.keyring().current == "own"


def test_postgresql_still_needs_an_explicit_key(tmp_path: Path) -> None:
    """No key file is made or read for PostgreSQL: the bot refuses to start."""
    pg = settings_for_test(
        "postgresql+asyncpg://u@127.0.0.1/db", encryption_key=None, data_dir=tmp_path
    )
    assert pg.keyring() is None
    assert "MADOGUCHI_ENCRYPTION_KEY" in encryption_refusal(pg)
    assert not (tmp_path / "madoguchi.key").exists()


async def test_a_plain_text_database_keeps_working(tmp_path: Path, catalogs: Catalogs) -> None:
    """Values stored plain before any key read (and phones are found) as before; new values are
    sealed with the key file's key."""
    from storage import migrate

    url = f"sqlite+aiosqlite:///{tmp_path / 'madoguchi.sqlite3'}"
    await asyncio.to_thread(migrate.upgrade, url)
    plain = settings_for_test(url, encryption_key=None, data_dir=tmp_path)
    harness = await _start(plain, None, catalogs)  # as before this change: values stored plain
    old_reference = await _activity(harness)
    await _close(harness)
    assert all(not a.startswith("enc1:") for (a,) in await _raw(url, "SELECT answers FROM tickets"))

    assert await _start_up(url, tmp_path, None) is None  # now: the key file is made
    assert (tmp_path / "madoguchi.key").exists()
    harness = await _start(plain, plain.keyring(), catalogs)
    await resident_request(harness, user_id=5002, form="consultation")
    await _staff_read(harness, old_reference)
    await _close(harness)
    answers = [a for (a,) in await _raw(url, "SELECT answers FROM tickets ORDER BY id")]
    assert not answers[0].startswith("enc1:") and answers[1].startswith("enc1:k1:")


# --- rotation, as the README says ------------------------------------------------------------


async def test_readme_rotation_steps_end_to_end(
    database_url: str, catalogs: Catalogs, tmp_path: Path
) -> None:
    """new-key, set k2:NEW,k1:OLD, rotate-key, drop k1:OLD: every value readable after."""
    old = Keyring.new_key_spec("k1")
    harness = await _open(database_url, old, catalogs)
    reference = await _activity(harness)
    resident = harness.resident(5009)
    await resident.send("/start")  # leaves a draft
    async with harness.db() as session:  # and an update received but not handled yet
        from storage.inbox import store_updates

        await store_updates(
            session, [(5009, {"update_id": 99999, "message": {"text": "秘密"}})], harness.clock()
        )
        await session.commit()
    await _close(harness)
    assert await _start_up(database_url, tmp_path, old) is None

    made = _madoguchi(tmp_path, "new-key", "--id", "k2")
    assert made.returncode == 0, made.stderr
    new = made.stdout.strip()
    assert new.startswith("k2:") and Keyring(new).current == "k2"

    both = f"{new},{old}"
    rotated = _madoguchi(tmp_path, "rotate-key", database_url=database_url, encryption_key=both)
    assert rotated.returncode == 0, rotated.stderr
    assert "k2" in rotated.stdout

    assert await _start_up(database_url, tmp_path, new) is None  # k1:OLD dropped

    for table in Base.metadata.sorted_tables:
        for row in await _raw(database_url, f"SELECT * FROM {table.name}"):
            assert "enc1:k1:" not in repr(row), table.name
    assert await _read_every_row(database_url, Keyring(new)) > 0
    payloads = await _raw(database_url, "SELECT payload FROM inbox")
    assert payloads and payloads[0][0].startswith("enc1:k2:")
    harness = await _open(database_url, new, catalogs)
    await _staff_read(harness, reference)
    await _close(harness)
    stored = await _raw(database_url, "SELECT phone FROM tickets")
    assert all(phone.startswith("enc1:k2:") for (phone,) in stored if phone)


@pytest.mark.parametrize("command", [("digest",), ("report", "2026-11")])
async def test_digest_and_report_refuse_a_wrong_key_too(
    database_url: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """`madoguchi digest` and `madoguchi report` stop like `run` on a wrong key."""
    assert await _start_up(database_url, tmp_path, Keyring.new_key_spec("k1")) is None
    refused = _madoguchi(
        tmp_path,
        *command,
        database_url=database_url,
        encryption_key=Keyring.new_key_spec("k1"),
    )
    assert refused.returncode == 2, refused.stderr
    assert "'k1'" in refused.stderr and "does not open" in refused.stderr
