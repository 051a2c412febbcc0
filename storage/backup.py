"""Backups of the embedded SQLite database: an online copy, then a check that opens it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup could not be made or did not check out."""


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL (PostgreSQL is backed up with pg_dump instead)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise BackupError(
            "`madoguchi backup` copies the SQLite file; for PostgreSQL use pg_dump (see the README)"
        )
    return Path(parsed.database)


def backup_sqlite(url: str, target: Path) -> dict[str, int]:
    """Copies a live SQLite database with SQLite's online backup, then checks the copy."""
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    return check_copy(target)


def check_copy(path: Path) -> dict[str, int]:
    """Opens a backup read-only, checks its integrity and counts what it holds."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as copy:
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} failed SQLite's integrity check")
        return {
            table: copy.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("tickets", "residents", "ticket_events", "staff")
        }
