"""Photos and PDF files residents send for their requests (a letter, a bill, a 督促状)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.resident.followups import add_resident_message
from bot.services import Services
from storage.attachments import add_attachment
from storage.residents import ResidentDTO
from storage.tickets import TicketDTO

# Telegram lets a bot fetch files of up to 20 MB; a photo of a letter is far smaller.
MAX_UPLOAD_BYTES = 10 * 2**20
MAX_UPLOADS = 10
ACCEPTED_TYPES = ("image/jpeg", "image/png", "application/pdf")

UPLOAD_ADDED = N_(
    "Thank you. I added your file to your request {reference}; staff will see it. It is kept "
    "only with your request and deleted with it."
)
UPLOAD_AFTER_FORM = N_(
    "Please send the photo or file after you have sent this request: it will then be added to it."
)
UPLOAD_NEEDS_REQUEST = N_(
    "To send a photo of a letter or a document, please first make a request from the menu; "
    "then send the photo and it will be added to it."
)
UPLOAD_TOO_LARGE = N_("That file is too large: please send one of at most {megabytes} MB.")
UPLOAD_KIND = N_("I can take photos and PDF files only.")
UPLOAD_TOO_MANY = N_(
    "Your request already has as many files as it can take. Please bring further papers to "
    "the counter or show them to staff when they contact you."
)


@dataclass(frozen=True)
class Upload:
    """A photo or file the resident sent; `content` is None when it was too large to fetch."""

    name: str
    mime: str
    size: int
    content: bytes | None = None


def upload_problem(upload: Upload) -> str | None:
    """Why a file cannot be taken (a message id), or None when it can."""
    if upload.mime not in ACCEPTED_TYPES:
        return UPLOAD_KIND
    if upload.content is None or upload.size > MAX_UPLOAD_BYTES:
        return UPLOAD_TOO_LARGE
    return None


async def add_upload(
    session: AsyncSession,
    services: Services,
    resident: ResidentDTO,
    ticket: TicketDTO,
    upload: Upload,
    caption: str,
) -> None:
    """Stores the file with the ticket and tells staff under its card, as a message would."""
    await add_attachment(
        session, ticket.id, upload.name, upload.mime, upload.content or b"", services.clock()
    )
    line = f"📎 {upload.name}" + (f" – {caption}" if caption else "")
    await add_resident_message(session, services, resident, ticket, line)
