"""A request's status in the resident's words (staff words such as 'referred' stay with staff)."""

from __future__ import annotations

from bot.i18n import N_
from storage.models import TicketStatus

RESIDENT_STATUS_LABELS = {
    TicketStatus.NEW: N_("Request received"),
    TicketStatus.ASSIGNED: N_("A staff member is in charge"),
    TicketStatus.IN_PROGRESS: N_("Being handled"),
    TicketStatus.WAITING: N_("We are waiting for your reply"),
    TicketStatus.REFERRED: N_("Passed on to a partner organisation"),
    TicketStatus.RESOLVED: N_("Finished"),
    TicketStatus.CLOSED: N_("Finished"),
}


def resident_status(status: str) -> str:
    """The message id of a status as the resident reads it."""
    return RESIDENT_STATUS_LABELS[TicketStatus(status)]
