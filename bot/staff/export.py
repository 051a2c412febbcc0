"""/export: the tickets received in a date range, as a CSV or Excel file for staff (Japanese)."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine
from bot.forms.definitions import FORMS
from bot.forms.engine import FormContext
from bot.i18n import N_, STAFF_LOCALE, Translator
from bot.screens import Document
from bot.services import Services
from bot.settings import OfficeProfile
from bot.staff.cards import staff_form_context
from bot.tickets.lifecycle import PRIORITY_LABELS, STATUS_LABELS
from storage.staff import StaffDTO, add_audit, staff_names
from storage.tickets import TicketDTO, tickets_created_between

COLUMNS = (
    N_("Reference"),
    N_("Received"),
    N_("Service"),
    N_("Status"),
    N_("Priority"),
    N_("District"),
    N_("Assignee"),
    N_("Referred to"),
    N_("Contact method"),
    N_("Phone number"),
    N_("Source"),
    N_("Closed at"),
    N_("Answers"),
)
SOURCE_LABELS = {"resident": N_("resident"), "staff": N_("staff")}
BAD_DATES = N_(
    "Please give dates as YYYY-MM-DD, for example /export 2026-11-01 2026-11-30 "
    "(add xlsx for an Excel file)."
)
START_AFTER_END = N_("The start date {start} is after the end date {end}.")
CAPTION = N_("Tickets received from {start} to {end}: {count}")
TOO_MANY = N_(
    "More than {limit} tickets were received in that time: please export a shorter period, "
    "for example one month at a time."
)
# One file holds at most this many tickets (a year of a ward's requests fits several times).
MAX_EXPORT_TICKETS = 5000

FORMATS = ("csv", "xlsx")
DATE_WORD = re.compile(r"\d{4}-\d{2}-\d{2}")
# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%d %H:%M"
SHEET_TITLE = "tickets"
ANSWERS_WIDTH = 60
MIN_WIDTH, MAX_WIDTH = 8, 40


@dataclass(frozen=True)
class ExportRequest:
    """What /export asked for: an inclusive range of local dates and a file format."""

    start: date
    end: date
    fmt: str


def parse_request(args: str, today: date) -> ExportRequest | None:
    """Reads '[from] [to] [xlsx]' (default: this month to today); None if a word is no date."""
    words = unicodedata.normalize("NFKC", args).split()
    formats = [w.casefold() for w in words if w.casefold() in FORMATS]
    dates = [w for w in words if w.casefold() not in FORMATS]
    if len(dates) > 2 or not all(DATE_WORD.fullmatch(w) for w in dates):
        return None
    try:
        parsed = [date.fromisoformat(w) for w in dates]
    except ValueError:
        return None
    if any(not 1 < d.year < 9999 for d in parsed):
        return None
    start = parsed[0] if parsed else today.replace(day=1)
    end = parsed[1] if len(parsed) == 2 else today
    return ExportRequest(start, end, "xlsx" if "xlsx" in formats else "csv")


def utc_range(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants [start 00:00, the day after end 00:00) of local dates in a time zone."""
    first = datetime.combine(start, time(), tz)
    after = datetime.combine(end + timedelta(days=1), time(), tz)
    return first.astimezone(UTC), after.astimezone(UTC)


def safe_cell(value: str) -> str:
    """Drops control characters and defuses a value a spreadsheet would run as a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    first = unicodedata.normalize("NFKC", value[:1])
    return "'" + value if first.startswith(FORMULA_STARTS) else value


def _local(moment: datetime | None, tz: tzinfo) -> str:
    """A timestamp as local 'YYYY-MM-DD HH:MM', or empty."""
    return moment.astimezone(tz).strftime(TIME_FORMAT) if moment else ""


def answers_text(ticket: TicketDTO, ctx: FormContext) -> str:
    """Every answer of a ticket as 'label: value' lines, each value defused on its own."""
    form = FORMS[ticket.service]
    state = engine.DraftState(form=form.key, step=None, mode="review", answers=ticket.answers)
    return "\n".join(
        ctx.t.gettext(step.label) + ": " + safe_cell(value)
        for step, value in engine.review_items(form, state, ctx)
    )


def ticket_row(
    ticket: TicketDTO, ctx: FormContext, profile: OfficeProfile, names: dict[int, str], tz: tzinfo
) -> list[str]:
    """One ticket as the cells of one row, in the order of COLUMNS."""
    t = ctx.t
    form = FORMS[ticket.service]
    district = profile.district(ticket.district_key) if ticket.district_key else None
    partner = profile.partner(ticket.referred_to) if ticket.referred_to else None
    referred = partner.name.get(STAFF_LOCALE) if partner else ticket.referred_to or ""
    contact = (
        engine.display_answer(form.step("contact_method"), ticket.contact_method, ctx)
        if ticket.contact_method
        else t.gettext("No reply wanted")
    )
    cells = [
        ticket.reference,
        _local(ticket.created_at, tz),
        t.gettext(form.title),
        t.gettext(STATUS_LABELS.get(ticket.status, ticket.status)),
        t.gettext(PRIORITY_LABELS.get(ticket.priority, ticket.priority)),
        district.name.get(STAFF_LOCALE) if district else t.gettext("Don't know"),
        names.get(ticket.assignee_id, "") if ticket.assignee_id else "",
        referred,
        contact,
        engine.format_phone(ticket.phone) if ticket.phone else "",
        t.gettext(SOURCE_LABELS.get(ticket.source, ticket.source)),
        _local(ticket.closed_at, tz),
        answers_text(ticket, ctx),
    ]
    return [safe_cell(cell) for cell in cells]


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """A CSV file for Japanese Excel: UTF-8 with a BOM, CRLF line endings."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _display_width(text: str) -> int:
    """How many columns the longest line of a text takes (wide characters count twice)."""
    return max(
        (
            sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
            for line in text.split("\n")
        ),
        default=0,
    )


def to_xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    """An Excel workbook with one sheet: a bold, frozen header and one row per ticket."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    last = len(header)
    for index, values in enumerate(zip(header, *rows, strict=False), start=1):
        width = max(_display_width(v) for v in values) + 2
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = (
            ANSWERS_WIDTH if index == last else min(max(width, MIN_WIDTH), MAX_WIDTH)
        )
    for (cell,) in sheet.iter_rows(min_row=2, min_col=last, max_col=last):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_filename(request: ExportRequest) -> str:
    """The file's name, e.g. madoguchi-tickets-2026-11-01_2026-11-30.csv."""
    return f"madoguchi-tickets-{request.start.isoformat()}_{request.end.isoformat()}.{request.fmt}"


async def export_tickets(
    session: AsyncSession, services: Services, t: Translator, staff: StaffDTO, args: str
) -> Document | str:
    """The file of tickets received in the typed date range (the export is audited), or the
    message that says why there is none."""
    tz = services.settings.tz
    now = services.clock()
    request = parse_request(args, now.astimezone(tz).date())
    if request is None:
        return t.gettext(BAD_DATES)
    if request.start > request.end:
        return t.gettext(START_AFTER_END).format(
            start=request.start.isoformat(), end=request.end.isoformat()
        )
    start, end = utc_range(request.start, request.end, tz)
    tickets = await tickets_created_between(session, start, end, limit=MAX_EXPORT_TICKETS + 1)
    if len(tickets) > MAX_EXPORT_TICKETS:
        return t.gettext(TOO_MANY).format(limit=MAX_EXPORT_TICKETS)
    ctx = staff_form_context(services)
    names = await staff_names(session)
    rows = [ticket_row(ticket, ctx, services.profile, names, tz) for ticket in tickets]
    header = [t.gettext(column) for column in COLUMNS]
    # The file is built in a worker thread: the event loop keeps answering residents.
    build = to_xlsx if request.fmt == "xlsx" else to_csv
    content = await asyncio.to_thread(build, header, rows)
    caption = t.gettext(CAPTION).format(
        start=request.start.isoformat(), end=request.end.isoformat(), count=len(rows)
    )
    await add_audit(
        session,
        staff.telegram_user_id,
        "export",
        now,
        {
            "from": request.start.isoformat(),
            "to": request.end.isoformat(),
            "count": len(rows),
            "format": request.fmt,
        },
    )
    return Document(export_filename(request), content, caption)
