"""The `madoguchi` command: start (chat or run), run, chat, migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from telegram import Update

from bot.settings import Settings
from storage import migrate
from storage.db import create_engine, create_sessionmaker

log = logging.getLogger("madoguchi")


def _migrate(settings: Settings) -> None:
    """Applies migrations to the configured database."""
    migrate.upgrade(settings.resolved_database_url)


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    """Applies every Alembic migration."""
    _migrate(settings)
    print(f"database is up to date: {_redacted(settings.resolved_database_url)}")
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the local terminal chat."""
    from bot.console import run_chat

    if settings.auto_migrate:
        _migrate(settings)
    asyncio.run(run_chat(settings, args.language))
    return 0


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    """Runs the Telegram bot with long polling."""
    from bot.app import build_application

    if settings.bot_token is None:
        print("MADOGUCHI_BOT_TOKEN is not set; use `madoguchi chat` to try the bot locally.",
              file=sys.stderr)
        return 2
    if settings.staff_chat_id is None:
        print("MADOGUCHI_STAFF_CHAT_ID is not set: new tickets would reach no one. Set it to the "
              "staff group's chat id.", file=sys.stderr)
        return 2
    if settings.auto_migrate:
        _migrate(settings)
    engine = create_engine(settings.resolved_database_url)
    app = build_application(settings, create_sessionmaker(engine))
    log.info("starting long polling")
    app.run_polling(allowed_updates=Update.ALL_TYPES)
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
    sub.add_parser("run", help="run the Telegram bot (long polling)")
    chat = sub.add_parser("chat", help="chat with the bot in this terminal, no token needed")
    for p in (parser, chat):
        p.add_argument("--language", default="ja", help="your Telegram language code (default ja)")
    sub.add_parser("migrate", help="apply database migrations")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "apscheduler", "telegram.ext", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command == "chat" or (args.command is None and not Settings().bot_token):
        logging.getLogger().setLevel(logging.WARNING)
    settings = Settings()
    commands = {"run": cmd_run, "chat": cmd_chat, "migrate": cmd_migrate, None: cmd_start}
    return commands[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
