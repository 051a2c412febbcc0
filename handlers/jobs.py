"""Background jobs: the outbox relay and the purge of expired drafts."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from telegram.ext import Application

from bot.channels.telegram.context import SERVICES_KEY, MadoguchiContext
from bot.numbers.daily import send_daily_digest
from bot.tickets.retention import apply_retention
from bot.channels.telegram.replies import deliver_outbox
from storage import inbox
from storage import repositories as repo

log = logging.getLogger(__name__)


# Telegram redelivers an unconfirmed update for at most a day; a week of ids is plenty.
UPDATE_IDS_KEPT = timedelta(days=7)


async def purge_expired_drafts(context: MadoguchiContext) -> None:
    """Deletes drafts untouched for longer than the retention period, updates given up on
    just as long ago (they hold what residents wrote), and old update ids."""
    services = context.services
    now = services.clock()
    cutoff = now - timedelta(hours=services.settings.draft_retention_hours)
    async with services.db.begin() as session:
        removed = await repo.delete_drafts_older_than(session, cutoff)
        removed += await inbox.forget_failed_before(session, cutoff)
        forgotten = await repo.forget_updates_before(session, now - UPDATE_IDS_KEPT)
    if removed or forgotten:
        log.info("purged %d expired drafts or failed updates and %d old update ids",
                 removed, forgotten)


async def retention(context: MadoguchiContext) -> None:
    """Applies the retention rules once a day."""
    await apply_retention(context.services, context.services.clock())


async def digest_tick(context: MadoguchiContext) -> None:
    """Sends the morning digest once it is due (every worker checks; one claims the day)."""
    services = context.services
    if await send_daily_digest(services, services.clock()):
        await services.relay.deliver_due()


def schedule(app: Application) -> None:
    """Schedules the repeating jobs."""
    if app.job_queue is None:
        return
    settings = app.bot_data[SERVICES_KEY].settings
    app.job_queue.run_repeating(
        deliver_outbox, interval=settings.outbox_interval_seconds, first=1, name="outbox"
    )
    app.job_queue.run_repeating(purge_expired_drafts, interval=3600, first=60, name="drafts")
    app.job_queue.run_repeating(digest_tick, interval=60, first=5, name="digest")
    app.job_queue.run_daily(retention, time=time(3, 0, tzinfo=settings.tz), name="retention")
