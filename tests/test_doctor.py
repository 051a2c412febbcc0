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


def failures(capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    """The failed checks of `madoguchi doctor --json` by key (exit status 1 asserted), each
    with its English message and advice."""
    status, output = doctor(capsys, "--json")
    report = json.loads(output)
    assert (status, report["ok"]) == (1, False)
    return {check["key"]: check for check in report["checks"] if check["status"] == "fail"}


def refused_as_doctor_says(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Runs `madoguchi run` (status 2 asserted) and checks that its refusal is, line for line,
    a part of the doctor's checklist (in every language it prints); returns those lines."""
    status, refusal = run_refusal(capsys)
    assert status == 2, refusal
    lines = refusal.strip().splitlines()
    checklist = doctor(capsys)[1].splitlines()
    starts = [i for i, line in enumerate(checklist) if line == lines[0]]
    assert any(checklist[i : i + len(lines)] == lines for i in starts), (lines, checklist)
    return lines


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
    token = failures(capsys)["token"]
    assert token["fatal"] and token["message"].startswith("Telegram refused the bot token.")
    assert "@BotFather" in token["advice"] and "MADOGUCHI_BOT_TOKEN" in token["advice"]
    assert any("@BotFather" in line for line in refused_as_doctor_says(capsys))


def test_the_bot_not_in_the_group(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bot left (or was removed from) the staff group: fatal, with how to add it again."""
    fake.members[(STAFF_CHAT_ID, BOT_ID)] = {"status": "left"}
    group = failures(capsys)["staff_group"]
    title = f"group {STAFF_CHAT_ID}"
    assert group["message"] == f"The bot @madoguchi_bot is not a member of the group “{title}”."
    assert group["advice"] == f"Add @madoguchi_bot to the group “{title}” again."
    assert f"    → {group['advice']}" in refused_as_doctor_says(capsys)


def test_a_staff_group_that_does_not_exist(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong MADOGUCHI_STAFF_CHAT_ID: Telegram's 'chat not found' with how to find the id."""
    fake.unknown_chats.add(STAFF_CHAT_ID)
    group = failures(capsys)["staff_group"]
    assert group["message"].startswith(
        f"The group {STAFF_CHAT_ID} (MADOGUCHI_STAFF_CHAT_ID) was not found"
    )
    assert "chat not found" in group["message"].lower() and "-100" in group["advice"]
    assert f"✗ {group['message']}" in refused_as_doctor_says(capsys)


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
    group = failures(capsys)["staff_group"]
    assert group["message"] == (
        f"The bot @madoguchi_bot may not send messages in the group “group {STAFF_CHAT_ID}”."
    )
    assert "administrator" in group["advice"]
    assert f"✗ {group['message']}" in refused_as_doctor_says(capsys)


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
    failed = failures(capsys)
    assert list(failed) == ["admins"]
    assert failed["admins"]["message"] == f"Not in the staff group: admin id(s) {ADMIN}."
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
    key = failures(capsys)["key"]
    assert key["fatal"]
    assert key["message"].startswith("The encryption key does not fit the database.")
    status, refusal = run_refusal(capsys)
    assert status == 2
    assert "'test1'" in refusal and refusal.strip() in key["message"]


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
    webhook = failures(capsys)["webhook"]
    assert webhook["message"] == f"Telegram posts updates to “”, not to {url}."
    fake.webhook = {"url": url}
    fake.webhook_error = "Connection refused"
    webhook = failures(capsys)["webhook"]
    assert webhook["message"] == (
        f"Telegram's last delivery to {url} failed (0 update(s) waiting). Connection refused"
    )
    assert "HTTPS" in webhook["advice"]
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
    failed = failures(capsys)
    assert failed["profile_examples"]["message"].startswith("The office profile still has")
    assert f"madoguchi profile check {copy}" in failed["profile_examples"]["advice"]
    assert failed["crisis_lines"]["message"].startswith(
        "Crisis lines not marked verified: 110, 119"
    )
    monkeypatch.delenv("MADOGUCHI_OFFICE_PROFILE")
    assert failures(capsys)["profile"]["message"] == (
        "MADOGUCHI_OFFICE_PROFILE is not set: the bot shows the example profile."
    )


def test_an_unverified_crisis_line(deployment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One crisis line left unverified is named by its number."""
    profile = deployment / "office_profile.toml"
    profile.write_text(
        GOOD_PROFILE
        + '\n[[crisis_lines]]\nnumber = "119"\nname = { ja = "消防" }\nhours = { ja = "24時間" }\n',
        encoding="utf-8",
    )
    failed = failures(capsys)
    assert list(failed) == ["crisis_lines"]
    assert failed["crisis_lines"]["message"] == "Crisis lines not marked verified: 119."


def test_office_hours_that_disagree_with_the_settings(
    deployment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile says 9:00〜17:00 but the settings close at 16:00."""
    monkeypatch.setenv("MADOGUCHI_OFFICE_CLOSES", "16:00")
    hours = failures(capsys)["office_hours"]
    assert "MADOGUCHI_OFFICE_OPENS/CLOSES say 09:00–16:00" in hours["message"]


def test_telegram_unreachable_is_not_fatal(
    deployment: Path, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Bot API that answers 502 fails the doctor but does not keep run from starting."""
    fake.down = True
    token = failures(capsys)["token"]
    assert token["message"].startswith("Telegram could not be reached") and not token["fatal"]
    assert telegram_refusal(Settings()) is None


def test_an_unmigrated_database_and_bad_settings(
    deployment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing database file and a setting that does not parse are reported, not raised."""
    monkeypatch.setenv("MADOGUCHI_DATA_DIR", str(deployment / "elsewhere"))
    database = failures(capsys)["database"]
    assert "does not exist yet" in database["message"]
    assert "madoguchi migrate" in database["advice"]
    assert not (deployment / "elsewhere" / "madoguchi.sqlite3").exists()  # nothing made
    monkeypatch.setenv("MADOGUCHI_STAFF_CHAT_ID", "the staff group")
    settings = failures(capsys)["settings"]
    assert settings["message"].startswith("Setting MADOGUCHI_STAFF_CHAT_ID is wrong:")


def test_a_key_file_others_may_read(
    deployment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite with a key file: one readable by others fails; mode 0600 passes; none is made."""
    monkeypatch.delenv("MADOGUCHI_ENCRYPTION_KEY")
    key_file = deployment / "data" / "madoguchi.key"
    status, output = doctor(capsys)
    assert status == 0, output
    assert f"No key file yet: the first start makes {key_file}." in output
    assert not key_file.exists()
    key_file.write_text(Keyring.new_key_spec("k1") + "\n")
    key_file.chmod(0o644)
    key = failures(capsys)["key"]
    assert key["message"] == f"Other users may read the key file {key_file}."
    assert key["advice"] == f"Run `chmod 600 {key_file}` as the service's user."
    key_file.chmod(0o600)
    status, output = doctor(capsys)
    assert status == 0, output
    assert "✓ The encryption key (k1) opens the data." in output
