"""Retention: personal data is kept only as long as SERVICES.md allows (configurable)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.services import Services
from bot.tickets.deliveries import queue_card_refresh
from bot.volunteers.renewal import renew_consents
from storage import inbox
from storage.db import forget_erased, refresh_planner_statistics
from storage.invitations import forget_openers_before
from storage.line import forget_line_events_before, forget_line_users_without_residents
from storage.models import TicketStatus
from storage.residents import delete_drafts_older_than, delete_idle_residents
from storage.runs import record_retention_run
from storage.tickets import (
    TicketChange,
    add_ticket_event,
    scrub_tickets,
    tickets_to_erase,
    update_ticket,
)
from storage.updates import forget_updates_before

log = logging.getLogger(__name__)

# Telegram redelivers an unconfirmed update for at most a day; a week of ids is plenty.
UPDATE_IDS_KEPT = timedelta(days=7)


async def purge_expired(services: Services, now: datetime) -> None:
    """Deletes drafts untouched for longer than the retention period, updates given up on
    just as long ago (they hold what residents wrote), and old update ids."""
    cutoff = now - timedelta(hours=services.settings.draft_retention_hours)
    async with services.db.begin() as session:
        removed = await delete_drafts_older_than(session, cutoff)
        removed += await inbox.forget_failed_before(session, cutoff)
        forgotten = await forget_updates_before(session, now - UPDATE_IDS_KEPT)
        forgotten += await forget_line_events_before(session, now - UPDATE_IDS_KEPT)
    if removed:
        await forget_erased(services.db)
    if removed or forgotten:
        log.info(
            "purged %d expired drafts or failed updates and %d old update ids", removed, forgotten
        )


async def apply_retention(services: Services, now: datetime) -> dict[str, int]:
    """Deletes expired drafts, erases closed tickets and idle volunteer registrations past
    their time, asks volunteers to renew their consent yearly (pausing, then erasing, those who
    do not answer), removes residents with nothing left, records the run (counts only) and
    refreshes the query planner's statistics."""
    s = services.settings
    async with services.db.begin() as session:
        drafts = await delete_drafts_older_than(
            session, now - timedelta(hours=s.draft_retention_hours)
        )
        closed, volunteers = await tickets_to_erase(
            session,
            now - timedelta(days=s.closed_retention_days),
            now - timedelta(days=s.volunteer_retention_days),
        )
        await scrub_tickets(session, closed + volunteers)
        for ticket_id in volunteers:
            # An erased registration is over: it leaves the queue and the digest.
            await update_ticket(
                session, ticket_id, now, TicketChange(status=TicketStatus.CLOSED, closed_at=now)
            )
        for ticket_id in closed + volunteers:
            await add_ticket_event(
                session, ticket_id, "erased", "system", None, now, {"reason": "retention"}
            )
            await queue_card_refresh(session, services, ticket_id)
        registry = await renew_consents(session, services, now)
        residents = await delete_idle_residents(
            session, now - timedelta(days=s.closed_retention_days)
        )
        await forget_line_users_without_residents(
            session, now - timedelta(days=s.closed_retention_days)
        )
        # Who opened a staff invitation is needed while an admin decides, not for ever.
        await forget_openers_before(session, now - timedelta(days=s.closed_retention_days))
        counts = {
            "drafts": drafts,
            "closed_tickets": len(closed),
            "volunteer_registrations": len(volunteers),
            "residents": residents,
        }
        await record_retention_run(session, now, **counts)
    if any(counts.values()) or registry["erased"]:
        await forget_erased(services.db)
    # Once a day, after the day's deletions: the planner's picture of the tables stays true.
    await refresh_planner_statistics(services.db)
    log.info("retention run: %s, volunteer registry: %s", counts, registry)
    return counts | {f"volunteers_{key}": value for key, value in registry.items()}
