"""`madoguchi doctor` against the fake Bot API over HTTP: each broken set-up fails with its
advice, a good one passes, and `madoguchi run` refuses the fatal ones with the same words."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main, telegram_refusal
from bot.settings import EXAMPLE_PROFILE, Settings
from storage import migrate
from storage.crypto import Keyring
from storage.keycheck import key_refusal
from tests.fake_telegram import BOT_ID, MUTED, FakeTelegram
from tests.fakes import STAFF_CHAT_ID, TEST_KEY

ADMIN = 900001
# A profile with test values only (no real council's facts), verified as an operator would.
GOOD_PROFILE = (Path(__file__).parent / "data" / "office_profile.test.toml").read_text(
    encoding="utf-8"
)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The fake Bot API on loopback."""
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def deployment(tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A good deployment: migrated SQLite, a key, a verified profile, the bot in the group."""
    for name in list(os.environ):
        if name.startswith("MADOGUCHI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file from the developer's folder
    profile = tmp_path / "office_profile.toml"
    profile.write_text(GOOD_PROFILE, encoding="utf-8")
    values = {
        "BOT_TOKEN": "123456:DOCTOR",
        "BOT_API_URL": fake.api_url,
        "STAFF_CHAT_ID": str(STAFF_CHAT_ID),
        "ADMIN_IDS": str(ADMIN),
        "DATA_DIR": str(tmp_path / "data"),
        "ENCRYPTION_KEY": TEST_KEY,
        "OFFICE_PROFILE": str(profile),
    }
    for name, value in values.items():
        monkeypatch.setenv(f"MADOGUCHI_{name}", value)
    migrate.upgrade(Settings().resolved_database_url)
    return tmp_path


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Runs `madoguchi doctor` and returns its exit status and output."""
    status = main(["doctor", *args])
    return status, capsys.readouterr().out


def run_refusal(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Runs `madoguchi run`, which must stop before serving, and returns status and stderr."""
    status = main(["run"])
    return status, capsys.readouterr().err


def failed_lines(output: str) -> list[str]:
    """The ✗ lines and the advice below them."""
    return [line for line in output.splitlines() if line.startswith(("✗", "    →"))]


def test_a_good_set_up_passes(deployment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every check passes: status 0, no ✗, and the checks named in the issue are all there."""
    status, output = doctor(capsys)
    assert status == 0, output
    assert "✗" not in output
    assert "✓ The bot token works: @madoguchi_bot." in output
    assert f"✓ The bot is in the group “group {STAFF_CHAT_ID}” and may send messages." in output
    assert "✓ Every admin (1) is in the staff group." in output
    assert "✓ Every crisis line (1) is verified." in output
    assert "✓ Office hours agree: 09:00–17:00." in output
    status, output = doctor(capsys, "--json")
    report = json.loads(output)
    assert status == 0 and report["ok"] is True
    keys = {check["key"]: check["status"] for check in report["checks"]}
    for key in ("settings", "database", "key", "token", "staff_group", "admins", "profile"):
        assert keys[key] == "ok", (key, keys)
    assert keys["webhook"] == "skip"  # long polling


def test_a_refused_token(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """Telegram's 401: the doctor says so with where to get the token; run refuses the same."""
    fake.unauthorized = True
    status, output = doctor(capsys)
    assert status == 1
    problems = failed_lines(output)
    assert problems[0].startswith("✗ Telegram refused the bot token.")
    assert "@BotFather" in problems[1] and "MADOGUCHI_BOT_TOKEN" in problems[1]
    status, refusal = run_refusal(capsys)
    assert status == 2
    assert refusal.strip().splitlines() == problems[:2]
    assert json.loads(doctor(capsys, "--json")[1])["ok"] is False


def test_the_bot_not_in_the_group(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bot left (or was removed from) the staff group: fatal, with how to add it again."""
    fake.members[(STAFF_CHAT_ID, BOT_ID)] = {"status": "left"}
    status, output = doctor(capsys)
    assert status == 1
    problems = failed_lines(output)
    assert problems[:2] == [
        f"✗ The bot @madoguchi_bot is not a member of the group “group {STAFF_CHAT_ID}”.",
        f"    → Add @madoguchi_bot to the group “group {STAFF_CHAT_ID}” again.",
    ]
    status, refusal = run_refusal(capsys)
    assert status == 2 and refusal.strip().splitlines() == problems[:2]


def test_a_staff_group_that_does_not_exist(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong MADOGUCHI_STAFF_CHAT_ID: Telegram's 'chat not found' with how to find the id."""
    fake.unknown_chats.add(STAFF_CHAT_ID)
    status, output = doctor(capsys)
    problems = failed_lines(output)
    assert status == 1
    assert problems[0].startswith(f"✗ The group {STAFF_CHAT_ID} (MADOGUCHI_STAFF_CHAT_ID) was not")
    assert "chat not found" in problems[0].lower() and "-100" in problems[1]
    status, refusal = run_refusal(capsys)
    assert status == 2 and refusal.strip().splitlines() == problems[:2]


@pytest.mark.parametrize("muted_how", ["restricted", "group default"])
def test_the_bot_without_the_right_to_send(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str], muted_how: str
) -> None:
    """The bot is in the group but may not send (restricted, or members may not send)."""
    if muted_how == "restricted":
        fake.members[(STAFF_CHAT_ID, BOT_ID)] = MUTED
    else:
        fake.members[(STAFF_CHAT_ID, BOT_ID)] = {"status": "member"}
        fake.chat_permissions[STAFF_CHAT_ID] = {"can_send_messages": False}
    status, output = doctor(capsys)
    problems = failed_lines(output)
    assert status == 1
    assert problems[0] == (
        f"✗ The bot @madoguchi_bot may not send messages in the group “group {STAFF_CHAT_ID}”."
    )
    assert "administrator" in problems[1]
    status, refusal = run_refusal(capsys)
    assert status == 2 and refusal.strip().splitlines() == problems[:2]


def test_a_member_bot_in_an_open_group_may_run(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """Admin rights are not needed: a plain member of a group where members send is fine."""
    fake.members[(STAFF_CHAT_ID, BOT_ID)] = {"status": "member"}
    status, output = doctor(capsys)
    assert status == 0, output
    assert telegram_refusal(Settings()) is None


def test_an_admin_outside_the_group(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """An admin id that is not in the staff group fails the check (but does not stop run)."""
    fake.members[(STAFF_CHAT_ID, ADMIN)] = {"status": "left"}
    status, output = doctor(capsys)
    assert status == 1
    assert failed_lines(output)[0] == f"✗ Not in the staff group: admin id(s) {ADMIN}."
    assert telegram_refusal(Settings()) is None


def test_a_wrong_key(
    deployment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key that does not open the check value stored by the right one: the doctor gives the
    reason run refuses with."""
    url = Settings().resolved_database_url
    assert asyncio.run(key_refusal(url, Keyring(TEST_KEY))) is None  # the first start
    wrong = "test1:" + Keyring.new_key_spec("k1").split(":", 1)[1]
    monkeypatch.setenv("MADOGUCHI_ENCRYPTION_KEY", wrong)
    status, output = doctor(capsys)
    problems = failed_lines(output)
    assert status == 1
    assert problems[0].startswith("✗ The encryption key does not fit the database.")
    status, refusal = run_refusal(capsys)
    assert status == 2
    assert "'test1'" in refusal and refusal.strip() in problems[0]


def test_a_webhook_with_a_delivery_error(
    deployment: Path,
    fake: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In webhook mode the doctor reads getWebhookInfo: the wrong URL, then a delivery error."""
    url = "https://bot.example.invalid/telegram"
    monkeypatch.setenv("MADOGUCHI_WEBHOOK_URL", url)
    monkeypatch.setenv("MADOGUCHI_WEBHOOK_SECRET", "s" * 24)
    status, output = doctor(capsys)
    assert status == 1
    assert failed_lines(output)[0] == f"✗ Telegram posts updates to “”, not to {url}."
    fake.webhook = {"url": url}
    fake.webhook_error = "Connection refused"
    status, output = doctor(capsys)
    problems = failed_lines(output)
    assert status == 1
    assert problems[0] == (
        f"✗ Telegram's last delivery to {url} failed (0 update(s) waiting). Connection refused"
    )
    assert "HTTPS" in problems[1]
    fake.webhook_error = None
    status, output = doctor(capsys)
    assert status == 0, output
    assert f"✓ Telegram posts updates to {url} (0 waiting)." in output


def test_the_example_profile(
    deployment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example profile (or a copy of it) fails: example values and unverified lines."""
    copy = deployment / "copied_profile.toml"
    copy.write_text(EXAMPLE_PROFILE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("MADOGUCHI_OFFICE_PROFILE", str(copy))
    status, output = doctor(capsys)
    problems = failed_lines(output)
    assert status == 1
    assert any(line.startswith("✗ The office profile still has") for line in problems)
    assert any(f"madoguchi profile check {copy}" in line for line in problems)
    assert any(line.startswith("✗ Crisis lines not marked verified: 110, 119") for line in problems)
    monkeypatch.delenv("MADOGUCHI_OFFICE_PROFILE")
    status, output = doctor(capsys)
    assert status == 1
    assert "✗ MADOGUCHI_OFFICE_PROFILE is not set: the bot shows the example profile." in output


def test_an_unverified_crisis_line(deployment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One crisis line left unverified is named by its number."""
    profile = deployment / "office_profile.toml"
    profile.write_text(
        GOOD_PROFILE
        + '\n[[crisis_lines]]\nnumber = "119"\nname = { ja = "消防" }\nhours = { ja = "24時間" }\n',
        encoding="utf-8",
    )
    status, output = doctor(capsys)
    assert status == 1
    assert failed_lines(output)[0] == "✗ Crisis lines not marked verified: 119."


def test_office_hours_that_disagree_with_the_settings(
    deployment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile says 9:00〜17:00 but the settings close at 16:00."""
    monkeypatch.setenv("MADOGUCHI_OFFICE_CLOSES", "16:00")
    status, output = doctor(capsys)
    assert status == 1
    assert "MADOGUCHI_OFFICE_OPENS/CLOSES say 09:00–16:00" in failed_lines(output)[0]


def test_telegram_unreachable_is_not_fatal(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Bot API that answers 502 fails the doctor but does not keep run from starting."""
    fake.down = True
    status, output = doctor(capsys)
    assert status == 1
    assert failed_lines(output)[0].startswith("✗ Telegram could not be reached")
    assert telegram_refusal(Settings()) is None


def test_an_unmigrated_database_and_bad_settings(
    deployment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing database file and a setting that does not parse are reported, not raised."""
    monkeypatch.setenv("MADOGUCHI_DATA_DIR", str(deployment / "elsewhere"))
    status, output = doctor(capsys)
    assert status == 1
    assert "does not exist yet" in output and "madoguchi migrate" in output
    assert not (deployment / "elsewhere" / "madoguchi.sqlite3").exists()  # nothing made
    monkeypatch.setenv("MADOGUCHI_STAFF_CHAT_ID", "the staff group")
    status, output = doctor(capsys)
    assert status == 1
    assert failed_lines(output)[0].startswith("✗ Setting MADOGUCHI_STAFF_CHAT_ID is wrong:")
