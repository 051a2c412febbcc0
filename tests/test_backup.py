"""`madoguchi backup`: an online copy of the SQLite database, checked by opening it."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.backup import BackupError, backup_sqlite, check_copy
from tests.fakes import Harness
from tests.staff_helpers import resident_request


async def test_backup_copies_a_live_database_and_counts_it(
    harness: Harness, tmp_path: Path
) -> None:
    """While the Application runs, the copy holds every ticket and stays encrypted."""
    if harness.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL is backed up with pg_dump (README); this command copies SQLite")
    for user_id in (5001, 5002, 5003):
        await resident_request(harness, user_id=user_id)
    target = tmp_path / "copy.sqlite3"
    counts = backup_sqlite(harness.settings.resolved_database_url, target)
    assert counts["tickets"] == 3 and counts["residents"] == 3
    assert check_copy(target) == counts
    assert b"I use a wheelchair." not in target.read_bytes()
    with pytest.raises(BackupError, match="exists already"):
        backup_sqlite(harness.settings.resolved_database_url, target)


def test_backup_explains_postgresql() -> None:
    """For PostgreSQL the command points to pg_dump instead of copying."""
    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite("postgresql+asyncpg://postgres@127.0.0.1/test", Path("/tmp/never"))
