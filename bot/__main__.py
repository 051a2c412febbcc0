"""The `madoguchi` command: start (chat or run), run, chat, migrate, doctor, profile check."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from contextlib import asynccontextmanager

from bot.logs import configure_logging
from bot.screens import plain
from bot.settings import Settings
from storage import migrate
from storage.db import create_engine, create_sessionmaker

log = logging.getLogger("madoguchi")


def encryption_refusal(settings: Settings) -> str | None:
    """Why the bot must not start with these keys (none with PostgreSQL, or malformed), else None.

    With SQLite and no key configured, the key file is used (and made on the first run).
    """
    from storage.crypto import EncryptionKeyError

    try:
        keyring = settings.keyring()  # a malformed key fails here, before anything is stored
    except EncryptionKeyError as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot read or make the encryption key file: {exc}"
    if keyring is None:
        return (
            "MADOGUCHI_ENCRYPTION_KEY is not set: refusing to store residents' answers "
            "unencrypted in PostgreSQL. Create one with `madoguchi new-key`."
        )
    if settings.encryption_key is None:
        print(
            f"Encrypting with the key in {keyring.source.removeprefix('the key file ')}. Keep a "
            "copy of it apart from the database's backups: without it the answers cannot be read.",
            file=sys.stderr,
        )
    return None


def key_refusal(settings: Settings) -> str | None:
    """Why the keys do not fit the (migrated) database: a wrong key under a known id, or a key
    left out that values are still sealed with; else None (and new key ids get check values)."""
    from storage.keycheck import key_refusal as check

    keyring = settings.keyring()
    return asyncio.run(check(settings.resolved_database_url, keyring)) if keyring else None


def _migrate(settings: Settings) -> None:
    """Applies migrations to the configured database."""
    migrate.upgrade(settings.resolved_database_url)


def ready_database(settings: Settings) -> str | None:
    """Migrates the database (unless switched off) and checks the keys fit it: why the command
    must stop, else None."""
    if settings.auto_migrate:
        _migrate(settings)
    return key_refusal(settings)


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    """Applies every Alembic migration."""
    _migrate(settings)
    print(f"database is up to date: {_redacted(settings.resolved_database_url)}")
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the local terminal chat on a database of its own (it migrates that one itself)."""
    from bot.channels.telegram.console import chat_settings, run_chat

    # `madoguchi` without a token falls back to the chat without the chat's own options.
    database = getattr(args, "database", None)
    if (refusal := encryption_refusal(chat_settings(settings, database))) is not None:
        print(refusal, file=sys.stderr)
        return 2
    if getattr(args, "channel", "telegram") == "line":
        from bot.channels.line.console import run_line_chat

        asyncio.run(run_line_chat(settings, args.language, database=database))
        return 0
    asyncio.run(run_chat(settings, args.language, database=database))
    return 0


def webhook_refusal(settings: Settings) -> str | None:
    """Why webhook mode cannot start with these settings, else None."""
    if settings.webhook_url is None or not settings.webhook_url.startswith("https://"):
        return (
            "--webhook needs MADOGUCHI_WEBHOOK_URL, the public https:// address Telegram posts to."
        )
    if settings.webhook_secret is None:
        return (
            "--webhook needs MADOGUCHI_WEBHOOK_SECRET (16-256 characters A-Z a-z 0-9 _ -) so "
            "that only Telegram can post updates."
        )
    return None


def telegram_refusal(settings: Settings) -> str | None:
    """The doctor's words when Telegram says the token or the staff group cannot work."""
    from bot.channels.telegram.probe import telegram_probe
    from bot.doctor.cli import start_refusal

    return start_refusal(settings, telegram_probe)


def cmd_doctor(args: argparse.Namespace) -> int:
    """Checks the deployment and prints a checklist; 0 only when every check passed."""
    from bot.channels.telegram.probe import telegram_probe
    from bot.doctor.cli import doctor

    return doctor(args.json, telegram_probe)


def cmd_profile(args: argparse.Namespace) -> int:
    """Checks an office profile file and shows what residents will read from it."""
    from pathlib import Path

    from bot.doctor.cli import profile_check

    return profile_check(Path(args.file), args.language, not args.no_preview)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the Telegram bot with long polling, or with --webhook behind a public URL."""
    from bot.channels.telegram.app import build_application
    from bot.channels.telegram.serve import serve

    if settings.bot_token is None:
        print(
            "MADOGUCHI_BOT_TOKEN is not set; use `madoguchi chat` to try the bot locally.",
            file=sys.stderr,
        )
        return 2
    if settings.staff_chat_id is None:
        print(
            "MADOGUCHI_STAFF_CHAT_ID is not set: new tickets would reach no one. Set it to the "
            "staff group's chat id.",
            file=sys.stderr,
        )
        return 2
    webhook = getattr(args, "webhook", False)
    refusal = encryption_refusal(settings) or (webhook_refusal(settings) if webhook else None)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    if (refusal := ready_database(settings)) is not None:
        print(refusal, file=sys.stderr)
        return 2
    if (refusal := telegram_refusal(settings)) is not None:
        print(refusal, file=sys.stderr)
        return 2
    engine = create_engine(settings.resolved_database_url, settings.keyring())
    app = build_application(settings, create_sessionmaker(engine), updater=False)

    async def run() -> None:
        try:
            await serve(app, webhook=webhook)
        finally:
            await engine.dispose()

    asyncio.run(run())
    return 0


@asynccontextmanager
async def _application(settings: Settings):
    """The Application and its services on the configured database, for one-off commands."""
    from bot.channels.telegram.app import build_application
    from bot.channels.telegram.context import SERVICES_KEY

    engine = create_engine(settings.resolved_database_url, settings.keyring())
    app = build_application(settings, create_sessionmaker(engine))
    try:
        yield app, app.bot_data[SERVICES_KEY]
    finally:
        await engine.dispose()


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    """Prints today's digest, or with --send claims and sends it (for cron users)."""
    from bot.i18n import STAFF_LOCALE
    from bot.numbers.daily import send_daily_digest
    from bot.numbers.digest import render_digest
    from bot.numbers.figures import collect_digest

    if args.send and (settings.bot_token is None or settings.staff_chat_id is None):
        print("--send needs MADOGUCHI_BOT_TOKEN and MADOGUCHI_STAFF_CHAT_ID.", file=sys.stderr)
        return 2
    if (refusal := ready_database(settings)) is not None:
        print(refusal, file=sys.stderr)
        return 2

    async def run() -> int:
        async with _application(settings) as (app, services):
            if not args.send:
                async with services.db() as session:
                    data = await collect_digest(session, services, services.clock())
                t = services.catalogs.translator_for(STAFF_LOCALE)
                print("\n".join(plain(part) for part in render_digest(data, t)))
                return 0
            async with app:
                if not await send_daily_digest(services, services.clock()):
                    print(
                        "no digest sent: not a business day, before MADOGUCHI_DIGEST_TIME, "
                        "or already sent today"
                    )
                    return 0
                sent = await services.relay.deliver_due()
                print(f"digest sent ({sent} message(s) delivered)")
                return 0

    return asyncio.run(run())


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Writes the month's report (XLSX) and the 12-week chart (PNG) to a folder."""
    from datetime import timedelta
    from pathlib import Path

    from bot.i18n import STAFF_LOCALE
    from bot.numbers.figures import collect_stats, period_bounds, weekly_intake
    from bot.numbers.reports import report_xlsx, weekly_chart_png

    if args.month in ("week", "month") or period_bounds(args.month, None) is None:
        print("give the month as YYYY-MM, e.g. madoguchi report 2026-11", file=sys.stderr)
        return 2
    if (refusal := ready_database(settings)) is not None:
        print(refusal, file=sys.stderr)
        return 2

    async def run() -> int:
        label, start, end = period_bounds(args.month, None)
        async with _application(settings) as (_app, services):
            t = services.catalogs.translator_for(STAFF_LOCALE)
            async with services.db() as session:
                stats = await collect_stats(session, services, label, start, end)
                weeks = await weekly_intake(session, services, end - timedelta(days=1))
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        xlsx = out / f"madoguchi-report-{label}.xlsx"
        png = out / f"madoguchi-intake-{label}.png"
        xlsx.write_bytes(report_xlsx(stats, t, services.profile))
        png.write_bytes(weekly_chart_png(weeks, t))
        print(f"wrote {xlsx} and {png} ({stats.total} tickets received)")
        return 0

    return asyncio.run(run())


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """Copies the SQLite database while the bot runs, then opens the copy and counts tickets."""
    from pathlib import Path

    from storage.backup import BackupError, backup_sqlite

    try:
        counts = backup_sqlite(settings.resolved_database_url, Path(args.file))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"backup written to {args.file} and checked: {counts}")
    return 0


def cmd_new_key(settings: Settings, args: argparse.Namespace) -> int:
    """Prints a new random key for MADOGUCHI_ENCRYPTION_KEY."""
    from storage.crypto import KEY_ID, Keyring

    if not KEY_ID.fullmatch(args.id):
        print("a key id is 1 to 32 letters, digits, _ or -, e.g. k2", file=sys.stderr)
        return 2
    print(Keyring.new_key_spec(args.id))
    return 0


def cmd_rotate_key(settings: Settings, args: argparse.Namespace) -> int:
    """Re-encrypts every sensitive value with the first key of MADOGUCHI_ENCRYPTION_KEY."""
    from storage.rotation import rotate

    if (refusal := encryption_refusal(settings) or ready_database(settings)) is not None:
        print(refusal, file=sys.stderr)
        return 2
    keyring = settings.keyring()
    counts = asyncio.run(rotate(settings.resolved_database_url, keyring))
    print(f"re-encrypted with key {keyring.current!r}: {counts}")
    return 0


def cmd_safety_check(settings: Settings, args: argparse.Namespace) -> int:
    """Checks messages, one per line, from the named files or standard input, with the safety
    net and the office profile's own phrases: `1<TAB>category<TAB>words` or `0` per line."""
    import fileinput

    from bot.safety import net_for
    from bot.safety.cli import run_safety_check

    net = net_for(settings.load_profile().safety_phrases)
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    sys.stdout.reconfigure(encoding="utf-8", line_buffering=True)
    with fileinput.input(args.files, encoding="utf-8", errors="replace") as lines:
        run_safety_check(lines, sys.stdout, net)
    return 0


def cmd_start(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the Telegram bot with a token, else the local chat."""
    return cmd_run(settings, args) if settings.bot_token else cmd_chat(settings, args)


def _redacted(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    """Parses the command line and runs a command."""
    parser = argparse.ArgumentParser(prog="madoguchi", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the Telegram bot (long polling, or --webhook)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="serve Telegram's webhook at MADOGUCHI_WEBHOOK_URL instead of polling",
    )
    chat = sub.add_parser("chat", help="chat with the bot in this terminal, no token needed")
    chat.add_argument(
        "--database",
        help="the chat's database (URL or SQLite file); default <data dir>/madoguchi-chat.sqlite3",
    )
    chat.add_argument(
        "--channel",
        choices=("telegram", "line"),
        default="telegram",
        help="play a resident on Telegram (default) or on LINE (own database: "
        "<data dir>/madoguchi-line-chat.sqlite3)",
    )
    for p in (parser, chat):
        p.add_argument("--language", default="ja", help="your Telegram language code (default ja)")
    sub.add_parser("migrate", help="apply database migrations")
    digest = sub.add_parser("digest", help="print today's digest; --send claims and sends it")
    digest.add_argument(
        "--send",
        action="store_true",
        help="send it to the staff chat (once per business day, after the digest time)",
    )
    report = sub.add_parser("report", help="write a month's report (XLSX) and chart (PNG)")
    report.add_argument("month", help="YYYY-MM")
    report.add_argument("--out", default=".", help="folder for the files (default: here)")
    backup = sub.add_parser("backup", help="copy the SQLite database (online) and check the copy")
    backup.add_argument("file", help="the new backup file")
    new_key = sub.add_parser("new-key", help="print a new encryption key")
    new_key.add_argument("--id", default="k1", help="the key's id (default k1)")
    sub.add_parser("rotate-key", help="re-encrypt all data with the first configured key")
    safety = sub.add_parser(
        "safety-check",
        help="check messages (one per line) with the safety net: 1<TAB>category<TAB>words or 0",
    )
    safety.add_argument("files", nargs="*", help="files of messages (default: standard input)")
    doctor = sub.add_parser("doctor", help="check the deployment: ✓/✗ with what to do")
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    profile = sub.add_parser("profile", help="office profile tools").add_subparsers(
        dest="action", required=True
    )
    check = profile.add_parser("check", help="check a profile file and preview it")
    check.add_argument("file", help="the office profile (TOML)")
    check.add_argument("--language", action="append", help="preview only this language")
    check.add_argument("--no-preview", action="store_true", help="only list the problems")
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    if args.command in ("doctor", "profile"):  # these report bad settings instead of failing
        return {"doctor": cmd_doctor, "profile": cmd_profile}[args.command](args)
    if args.command == "chat" or (args.command is None and not Settings().bot_token):
        logging.getLogger().setLevel(logging.WARNING)
    settings = Settings()
    commands = {
        "run": cmd_run,
        "chat": cmd_chat,
        "migrate": cmd_migrate,
        "digest": cmd_digest,
        "report": cmd_report,
        "backup": cmd_backup,
        "new-key": cmd_new_key,
        "rotate-key": cmd_rotate_key,
        "safety-check": cmd_safety_check,
        None: cmd_start,
    }
    return commands[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
