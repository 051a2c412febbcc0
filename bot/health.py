"""What /healthz and /metrics report: the database, the backlogs and the last digest."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.services import Services
from storage import inbox
from storage.outbox import outbox_backlog
from storage.runs import last_digest_day


@dataclass(frozen=True)
class Health:
    """One look at the worker's state."""

    database: bool
    inbox_waiting: int = 0
    inbox_failed: int = 0
    outbox_waiting: int = 0
    outbox_failed: int = 0
    last_digest: date | None = None

    def as_json(self) -> dict[str, Any]:
        """The state as a JSON object (dates as ISO strings)."""
        data = asdict(self)
        data["status"] = "ok" if self.database else "database unavailable"
        data["last_digest"] = self.last_digest.isoformat() if self.last_digest else None
        return data


async def check_health(services: Services) -> Health:
    """Asks the database for the backlogs; a database that does not answer is reported."""
    try:
        async with services.db() as session:
            inbox_waiting, inbox_failed = await inbox.backlog(session)
            outbox_waiting, outbox_failed = await outbox_backlog(session)
            last_digest = await last_digest_day(session)
    except (SQLAlchemyError, OSError, TimeoutError):
        health = Health(database=False)
    else:
        health = Health(
            True, inbox_waiting, inbox_failed, outbox_waiting, outbox_failed, last_digest
        )
    metrics = services.metrics
    metrics.database_up.set(1 if health.database else 0)
    if health.database:
        metrics.inbox_depth.set(health.inbox_waiting)
        metrics.outbox_depth.set(health.outbox_waiting)
        metrics.outbox_failed.set(health.outbox_failed)
    return health
