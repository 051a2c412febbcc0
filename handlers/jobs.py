"""Background jobs: the outbox relay and the purge of expired drafts."""

from __future__ import annotations

import logging
from datetime import time

from telegram.ext import Application

from bot.channels.telegram.context import SERVICES_KEY, MadoguchiContext
from bot.channels.telegram.replies import deliver_outbox
from bot.numbers.daily import send_daily_digest
from bot.tickets.retention import apply_retention, purge_expired

log = logging.getLogger(__name__)


async def purge_expired_drafts(context: MadoguchiContext) -> None:
    """Purges expired drafts, updates given up on and old update ids (hourly)."""
    await purge_expired(context.services, context.services.clock())


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
