"""The morning digest: sent once per business day, whatever the number of workers or restarts."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.i18n import STAFF_LOCALE
from bot.numbers.digest import render_digest
from bot.numbers.figures import collect_digest
from bot.outbox.queue import enqueue
from bot.screens import Screen
from bot.services import Services
from bot.tickets.notices import FOLLOW_UP_DUE, tell_privately
from storage import aggregates as agg
from storage.staff import get_staff
from storage.tickets import follow_ups_due, get_ticket_by_reference

log = logging.getLogger(__name__)


def digest_due(services: Services, now: datetime) -> date | None:
    """Today's date if today is a business day and the digest time has passed, else None.

    A bot that was down at the digest time sends the digest when it comes back that day.
    """
    local = now.astimezone(services.settings.tz)
    if not services.calendar.is_business_day(local.date()):
        return None
    return local.date() if local.time() >= services.settings.digest_time else None


async def send_daily_digest(services: Services, now: datetime) -> bool:
    """Claims today's digest and queues it for the staff chat; False if not due or done."""
    day = digest_due(services, now)
    if day is None or services.settings.staff_chat_id is None:
        return False
    try:
        async with services.db.begin() as session:
            # The claim, the digest and its outbox rows commit together, or not at all.
            await agg.claim_digest_day(session, day, now)
            await enqueue_digest(session, services, now)
            await tell_follow_ups(session, services, day)
    except IntegrityError:
        return False
    log.info("queued the digest for %s", day.isoformat())
    return True


async def enqueue_digest(session, services: Services, now: datetime) -> None:
    """Queues the digest's parts (and on Mondays the 12-week chart) for the staff chat."""
    t = services.catalogs.translator_for(STAFF_LOCALE)
    data = await collect_digest(session, services, now)
    chat_id = services.settings.staff_chat_id
    for part in render_digest(data, t):
        await enqueue(session, chat_id, "digest", Screen(part), now)
    if data.day.weekday() == 0:
        last_day = data.day - timedelta(days=1)
        await enqueue(
            session,
            chat_id,
            "weekly_chart",
            Screen("…"),
            now,
            meta={"last_day": last_day.isoformat()},
        )


async def tell_follow_ups(session, services: Services, day: date) -> None:
    """Tells each assignee who chose private notices (/notify 個別) of their follow-ups due
    today; the others find them, with their name, in the digest."""
    for reference, assignee_id in await follow_ups_due(session, day):
        staff = await get_staff(session, assignee_id) if assignee_id else None
        ticket = await get_ticket_by_reference(session, reference)
        if staff is not None and staff.active and staff.notify_privately and ticket is not None:
            await tell_privately(session, services, staff, ticket, FOLLOW_UP_DUE)
