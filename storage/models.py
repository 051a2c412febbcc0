"""SQLAlchemy models: residents, drafts, tickets, events, the inbox, the outbox, the volunteer registry."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.crypto import EncryptedJSON, EncryptedText
from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class TicketStatus(StrEnum):
    """A ticket's status, as stored in `tickets.status`."""

    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    REFERRED = "referred"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    """A ticket's priority, as stored in `tickets.priority`."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


OPEN_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING,
    TicketStatus.REFERRED,
)
# Written out as literal SQL rather than bound parameters: SQLite's planner can then see that a
# query's condition is the one of the partial indexes on open tickets (with parameters it cannot).
OPEN_SQL = "status IN ({})".format(", ".join(f"'{status}'" for status in OPEN_STATUSES))


def open_ticket_condition():
    """The SQL condition 'the ticket is open', in the form the partial indexes use."""
    return text(f"tickets.{OPEN_SQL}")


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints the same everywhere."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Resident(Base):
    """A person who talks to the bot in a private chat."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str | None] = mapped_column(String(16))
    language_code: Mapped[str | None] = mapped_column(String(16))
    screen: Mapped[str] = mapped_column(String(32), default="menu")
    pending_service: Mapped[str | None] = mapped_column(String(32))
    # A message the resident wrote while having several open tickets, until they pick one.
    pending_message: Mapped[str | None] = mapped_column(EncryptedText())
    drafts_started: Mapped[int] = mapped_column(Integer, default=0)
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The messenger the resident writes from: "telegram" or "line".
    channel: Mapped[str] = mapped_column(String(16), default="telegram", server_default="telegram")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffMember(Base):
    """A council staff member, known by numeric Telegram user id."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Made on first use for an id in MADOGUCHI_ADMIN_IDS (not by /staff add): it lasts only as
    # long as the id stays in that list.
    from_admin_list: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Added under every reply they send a resident (/signature).
    signature: Mapped[str | None] = mapped_column(String(64))
    # Told of assignments and residents' messages in a private chat instead of a group mention.
    notify_privately: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Their Telegram @username when last seen (it can change or be absent), for /staff list.
    username: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffInvitation(Base):
    """A one-time link an admin made for a new staff member: only the token's hash is kept.

    Opening it (once, before it expires) records who opened it; they become staff only when
    an admin confirms in the staff group.
    """

    __tablename__ = "staff_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who opened it, as Telegram named them then, and the language to answer them in.
    opener_name: Mapped[str | None] = mapped_column(String(64))
    opener_username: Mapped[str | None] = mapped_column(String(32))
    opener_locale: Mapped[str | None] = mapped_column(String(16))
    # "confirmed" or "declined", by an admin, once.
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Draft(Base):
    """An unfinished intake: which form, which step and the answers so far."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), unique=True
    )
    form_key: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Ticket(Base):
    """A finished intake that staff work on."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_created_at", "status", "created_at"),
        Index("ix_tickets_resident_id_status", "resident_id", "status"),
        # Partial indexes over open tickets only: they stay small however many tickets are
        # closed, and serve the queue, the digest and the overdue counts. They carry every
        # column the digest's counts look at, so those counts read no rows (migration 0012).
        Index(
            "ix_tickets_open_created_at",
            "created_at",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        Index(
            "ix_tickets_open_priority",
            "priority",
            "created_at",
            "status",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        Index(
            "ix_tickets_open_assignee_id",
            "assignee_id",
            "created_at",
            "status",
            "created_bday",
            "paused_bdays",
            "priority",
            "service",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        Index(
            "ix_tickets_open_created_bday",
            "created_bday",
            "priority",
            "service",
            "paused_bdays",
            "status",
            "assignee_id",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    service: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str] = mapped_column(String(16))
    district_key: Mapped[str | None] = mapped_column(String(32), index=True)
    contact_method: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    # A keyed hash of the phone number, so /search can find it without decrypting.
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    locale: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="resident")
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    referred_to: Mapped[str | None] = mapped_column(String(40))
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    resident_unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    # True once personal data was removed (on request or by retention): counts only remain.
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
    # The resident said they are under 18: no details were asked; staff follow up.
    minor: Mapped[bool] = mapped_column(Boolean, default=False)
    # When staff want to look at it again (/remind); listed in that morning's digest.
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    first_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Business-day ordinals (bot/calendar.py) of the local dates of intake, of the first staff
    # action and of resolution: ages and medians in business days are differences of these.
    created_bday: Mapped[int] = mapped_column(Integer)
    first_action_bday: Mapped[int | None] = mapped_column(Integer)
    resolved_bday: Mapped[int | None] = mapped_column(Integer)
    # Service targets pause while staff wait on the resident: business days spent waiting so
    # far, and the day the current wait began (None when not waiting).
    paused_bdays: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waiting_since_bday: Mapped[int | None] = mapped_column(Integer)
    # Tickets of one household share this id (the lowest ticket id among them; /household).
    household_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketEvent(Base):
    """One change to a ticket: who, when and what — the ticket's history."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestRun(Base):
    """A business day whose digest has been claimed by one worker (so it is sent once)."""

    __tablename__ = "digest_runs"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RetentionRun(Base):
    """One run of the retention job: when, and how many rows of each kind (no personal data)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    drafts: Mapped[int] = mapped_column(Integer)
    closed_tickets: Mapped[int] = mapped_column(Integer)
    volunteer_registrations: Mapped[int] = mapped_column(Integer)
    residents: Mapped[int] = mapped_column(Integer)


class CannedReply(Base):
    """A reply text admins prepared (定型文), chosen from a button list when answering."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(40), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """A staff action outside one ticket's history (staff changes, exports)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ProcessedUpdate(Base):
    """A Telegram update id whose effects are committed; redeliveries are dropped."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_id", "status", "id"),
        Index("ix_outbox_chat_id_status_lane_id", "chat_id", "status", "lane", "id"),
        Index("ix_outbox_chat_id_telegram_message_id", "chat_id", "telegram_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    # Which goes first among a chat's waiting messages: 0 crisis alerts, 1 new cards and answers
    # to staff, 2 relays of residents' words and card edits (then the oldest first).
    lane: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    # Routing facts the relay needs (reply-to targets, who asked); never answer text.
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(EncryptedText())
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboxUpdate(Base):
    """A Telegram update stored as it arrived, kept until its handler's transaction commits."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_chat_id_update_id", "chat_id", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The chat whose updates must be handled one at a time and in order (0: no chat).
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When a worker may take it: now, after a retry's backoff, or once another worker's lease ends.
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set after the last allowed attempt: kept for operators, no longer blocking its chat.
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(String(200))


class WorkerLease(Base):
    """A job only one worker may run at a time (the outbox relay), held until `expires_at`."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KeyCheck(Base):
    """A known text sealed with one encryption key, so start-up can tell a wrong key under its id."""

    __tablename__ = "key_checks"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Sealed with this key id's own key (plain Text: the current key must not re-seal it).
    sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LineUser(Base):
    """A LINE user who wrote to the bot: their sealed LINE user id and what LINE told about them.

    Inside the bot they go by the chat id `LINE_CHAT_BASE + id` (storage/line.py), so residents,
    the inbox and the outbox keep one integer chat id whatever the channel.
    """

    __tablename__ = "line_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A keyed hash of the LINE user id, to find the row without decrypting every one.
    user_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(EncryptedText())
    language_code: Mapped[str | None] = mapped_column(String(16))
    following: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LineEvent(Base):
    """A LINE webhook event id already taken into the inbox; its update id is LINE_UPDATE_BASE + id."""

    __tablename__ = "line_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Attachment(Base):
    """A photo or PDF a resident sent for their request (a letter, a 督促状), sealed at rest and
    erased with the ticket's personal data."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(EncryptedText())
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    # The file's bytes as base64 text, so they are sealed like every other sensitive column.
    content: Mapped[str] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VolunteerStatus(StrEnum):
    """Where a registered volunteer stands, as stored in `volunteers.status`."""

    # Listed for matching and asked once a year to renew their consent to be contacted.
    ACTIVE = "active"
    # Did not answer the renewal (or asked for a break): not listed; erased after a year idle.
    PAUSED = "paused"


class Volunteer(Base):
    """A registered volunteer: a living record of the volunteer centre, not a ticket that ages."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Erasing the resident (/delete, retention) erases their registration with them.
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    # The registration request it came from (its reference names the volunteer to staff).
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    # Interests, availability and how to reach them (phone): sealed like a ticket's answers.
    profile: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    district_key: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # The day they last agreed to be contacted (at registration, then once a year).
    consent_renewed_on: Mapped[date] = mapped_column(Date)
    # When they were last asked to renew and have not answered yet (None: not waiting).
    renewal_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VolunteerMatch(Base):
    """A volunteer asked to help with one request, and their answer."""

    __tablename__ = "volunteer_matches"
    __table_args__ = (UniqueConstraint("ticket_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    # asked, accepted or declined.
    status: Mapped[str] = mapped_column(String(16))
    asked_by: Mapped[int | None] = mapped_column(BigInteger)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
