"""The yearly consent to be contacted: asked in the volunteer's language; no answer pauses, then erases."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.i18n import N_
from bot.outbox.queue import enqueue
from bot.screens import Button, Screen
from bot.services import Services
from storage.volunteers import (
    chat_of_volunteer,
    due_for_renewal,
    erase_idle_paused,
    mark_renewal_asked,
    pause_unanswered,
)

RENEWAL_QUESTION = N_(
    "You are registered with the volunteer centre. Once a year we ask: may the volunteer "
    "centre still contact you about volunteering? If you answer no, we delete your "
    "registration. If you do not answer within {days} days, we stop contacting you."
)
RENEW_YES = N_("Yes, keep me registered")
RENEW_NO = N_("No, delete my registration")


async def renew_consents(
    session: AsyncSession, services: Services, now: datetime
) -> dict[str, int]:
    """Asks volunteers whose consent is a year old, pauses those who did not answer in time
    and erases paused ones idle for the retention period; returns the counts."""
    s = services.settings
    today = services.calendar.local_day(now)
    asked = 0
    for volunteer in await due_for_renewal(
        session, today - timedelta(days=s.volunteer_renewal_days)
    ):
        chat_id = await chat_of_volunteer(session, volunteer.id)
        if chat_id is None:
            continue
        t = services.catalogs.translator_for(volunteer.locale)
        question = Screen(
            t.gettext(RENEWAL_QUESTION).format(days=s.volunteer_renewal_answer_days),
            (
                (
                    Button(
                        t.gettext(RENEW_YES), callbacks.volunteer_answer("r", volunteer.id, True)
                    ),
                ),
                (
                    Button(
                        t.gettext(RENEW_NO), callbacks.volunteer_answer("r", volunteer.id, False)
                    ),
                ),
            ),
        )
        await enqueue(session, chat_id, "volunteer_renewal", question, now)
        await mark_renewal_asked(session, volunteer.id, now)
        asked += 1
    paused = await pause_unanswered(
        session, now - timedelta(days=s.volunteer_renewal_answer_days), now
    )
    erased = await erase_idle_paused(session, now - timedelta(days=s.volunteer_retention_days))
    return {"asked": asked, "paused": paused, "erased": erased}
