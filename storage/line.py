"""SQL for LINE users and LINE webhook events: internal chat and update ids for LINE's string ids."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import BigInteger, cast, delete, func, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import keyring_of
from storage.models import LineEvent, LineUser, OutboxMessage, ProcessedUpdate, Resident

# LINE ids are strings; inside, a LINE user goes by the chat id LINE_CHAT_BASE + their row id
# and an event by the update id LINE_UPDATE_BASE + its row id. Telegram's user ids stay below
# 2^52, its group ids are negative and its update ids far smaller: the ranges never meet.
LINE_CHAT_BASE = 2**62
LINE_UPDATE_BASE = 2**62


def is_line_chat(chat_id: int) -> bool:
    """Whether an internal chat id stands for a LINE user."""
    return chat_id >= LINE_CHAT_BASE


def channel_of(chat_id: int) -> str:
    """The messenger behind an internal chat id."""
    return "line" if is_line_chat(chat_id) else "telegram"


def _user_hash(session: AsyncSession, line_user_id: str) -> str:
    """A keyed hash of a LINE user id (a plain hash only where no key is configured)."""
    keyring = keyring_of(session.get_bind().dialect)
    if keyring is None:
        return hashlib.sha256(line_user_id.encode()).hexdigest()
    return keyring.blind_index(line_user_id)


async def chat_for_line_user(session: AsyncSession, line_user_id: str, now: datetime) -> int:
    """The internal chat id of a LINE user, made on first contact."""
    digest = _user_hash(session, line_user_id)
    row_id = await session.scalar(select(LineUser.id).where(LineUser.user_hash == digest))
    if row_id is None:
        row = LineUser(
            user_hash=digest,
            user_id=line_user_id,
            following=True,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        row_id = row.id
    return LINE_CHAT_BASE + row_id


async def line_user_of(session: AsyncSession, chat_id: int) -> str | None:
    """The LINE user id behind an internal chat id, if it is still known."""
    if not is_line_chat(chat_id):
        return None
    return await session.scalar(
        select(LineUser.user_id).where(LineUser.id == chat_id - LINE_CHAT_BASE)
    )


async def line_language(session: AsyncSession, chat_id: int) -> str | None:
    """The language LINE's profile gave for a user, if any."""
    return await session.scalar(
        select(LineUser.language_code).where(LineUser.id == chat_id - LINE_CHAT_BASE)
    )


async def set_line_follow(
    session: AsyncSession, chat_id: int, following: bool, now: datetime, language: str | None = None
) -> None:
    """Records a follow (with the profile's language when known) or an unfollow."""
    values: dict[str, object] = {"following": following, "updated_at": now}
    if language is not None:
        values["language_code"] = language[:16]
    await session.execute(
        update(LineUser).where(LineUser.id == chat_id - LINE_CHAT_BASE).values(**values)
    )


async def take_line_event(
    session: AsyncSession, webhook_event_id: str, now: datetime
) -> int | None:
    """The new update id for a LINE event, or None when this event id was taken before."""
    seen = await session.scalar(
        select(LineEvent.id).where(LineEvent.webhook_event_id == webhook_event_id)
    )
    if seen is not None:
        return None
    row = LineEvent(webhook_event_id=webhook_event_id[:64], received_at=now)
    session.add(row)
    await session.flush()
    return LINE_UPDATE_BASE + row.id


async def forget_line_events_before(session: AsyncSession, cutoff: datetime) -> int:
    """Deletes event ids received before the cutoff (LINE redelivers within hours); how many."""
    result = await session.execute(delete(LineEvent).where(LineEvent.received_at < cutoff))
    return result.rowcount or 0


async def forget_line_user(session: AsyncSession, chat_id: int) -> None:
    """Deletes what is kept about a LINE user (their sealed id and language)."""
    if is_line_chat(chat_id):
        await session.execute(delete(LineUser).where(LineUser.id == chat_id - LINE_CHAT_BASE))


async def resident_id_of_chat(session: AsyncSession, chat_id: int) -> int | None:
    """The resident row id of an internal chat id, if the resident exists."""
    return await session.scalar(select(Resident.id).where(Resident.telegram_user_id == chat_id))


async def line_following(session: AsyncSession, chat_id: int) -> bool:
    """Whether a LINE user still follows the account (False once they unfollowed)."""
    following = await session.scalar(
        select(LineUser.following).where(LineUser.id == chat_id - LINE_CHAT_BASE)
    )
    return bool(following)


async def pushes_since(session: AsyncSession, start: datetime) -> int:
    """How many outbox messages went to LINE users since `start` (the month's pushes)."""
    return (
        await session.scalar(
            select(func.count()).where(
                OutboxMessage.chat_id >= LINE_CHAT_BASE,
                OutboxMessage.status == "sent",
                OutboxMessage.sent_at >= start,
            )
        )
        or 0
    )


# How the relay's last_error of a message waiting for LINE's next quota month begins.
QUOTA_ERROR = "LINE quota"


async def resident_channel(session: AsyncSession, resident_id: int | None) -> str | None:
    """The messenger a resident writes from (None when the resident is gone)."""
    if resident_id is None:
        return None
    return await session.scalar(select(Resident.channel).where(Resident.id == resident_id))


async def waiting_for_quota(session: AsyncSession, resident_id: int | None) -> int:
    """How many messages to a resident wait for LINE's next quota month."""
    if resident_id is None:
        return 0
    chat = select(Resident.chat_id).where(Resident.id == resident_id).scalar_subquery()
    return (
        await session.scalar(
            select(func.count()).where(
                OutboxMessage.chat_id == chat,
                OutboxMessage.status == "pending",
                OutboxMessage.last_error.like(f"{QUOTA_ERROR}%"),
            )
        )
        or 0
    )


async def ticket_of_outbox_message(session: AsyncSession, outbox_id: int) -> int | None:
    """The ticket an outbox message is about, if any."""
    return await session.scalar(
        select(OutboxMessage.ticket_id).where(OutboxMessage.id == outbox_id)
    )


async def rehash_line_users(engine, keyring, only_plain: bool = False) -> int:  # noqa: ANN001
    """Recomputes the LINE user hashes with the current key (only_plain: just for ids stored
    before any key, whose hash was unkeyed); returns how many."""
    where = " WHERE substr(user_id, 1, 5) <> 'enc1:'" if only_plain else ""
    async with engine.begin() as conn:
        rows = (await conn.execute(text(f"SELECT id, user_id FROM line_users{where}"))).all()
        for row_id, stored in rows:
            await conn.execute(
                text("UPDATE line_users SET user_hash = :h WHERE id = :id"),
                {"h": keyring.blind_index(keyring.decrypt(stored)), "id": row_id},
            )
    return len(rows)


async def forget_line_users_without_residents(session: AsyncSession, before: datetime) -> int:
    """Deletes LINE users untouched since `before` whose resident is gone (erased or idle)."""
    has_resident = (
        select(Resident.id)
        .where(
            Resident.telegram_user_id
            == cast(LineUser.id, BigInteger) + literal(LINE_CHAT_BASE, BigInteger)
        )
        .exists()
    )
    result = await session.execute(
        delete(LineUser).where(LineUser.updated_at < before, ~has_resident)
    )
    return result.rowcount or 0


async def last_telegram_update_id(session: AsyncSession) -> int:
    """The highest Telegram update id handled so far (LINE's ids live far above; 0 if none)."""
    return int(
        await session.scalar(
            select(func.max(ProcessedUpdate.update_id)).where(
                ProcessedUpdate.update_id < LINE_UPDATE_BASE
            )
        )
        or 0
    )
