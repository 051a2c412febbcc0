"""Logging set-up: our own messages at the chosen level; libraries that would log message
contents, URLs with the token, or SQL parameters are kept at WARNING."""

from __future__ import annotations

import logging

# These log request URLs (with the bot token), whole updates or SQL at INFO/DEBUG.
QUIET_LIBRARIES = (
    "httpx",
    "httpcore",
    "apscheduler",
    "telegram",
    "telegram.ext",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.engine",
    "matplotlib",
    "PIL",
)


def configure_logging(verbose: bool) -> None:
    """Configures the root logger for the command line."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_libraries()


def quiet_libraries() -> None:
    """Keeps chatty libraries at WARNING, whatever the root level."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    # "job skipped: maximum number of running instances reached" is expected while the
    # relay works through a backlog; the relay logs what matters itself.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
