"""Staff members and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import DTO
from storage.models import (
    AuditEntry,
    StaffMember,
)

STAFF = StaffMember.__table__
# Every staff update asks who sent it: read as a row with a statement built once.
_ACTIVE_STAFF_BY_USER = select(STAFF).where(
    STAFF.c.telegram_user_id == bindparam("user"), STAFF.c.active.is_(True)
)


# Lists and /ticket name the staff involved: statements built once.
_NAMES = select(STAFF.c.id, STAFF.c.display_name)
_DIRECTORY = select(STAFF.c.id, STAFF.c.telegram_user_id, STAFF.c.display_name)


class StaffDTO(DTO):
    """A staff member."""

    id: int
    telegram_user_id: int
    display_name: str
    districts: list[str]
    active: bool
    from_admin_list: bool = False
    signature: str | None = None
    notify_privately: bool = False
    username: str | None = None


class AuditDTO(DTO):
    """One staff action outside a ticket's history."""

    id: int
    actor_id: int | None
    action: str
    detail: dict[str, Any]
    created_at: datetime


async def get_staff_by_user(session: AsyncSession, telegram_user_id: int) -> StaffDTO | None:
    """Returns the active staff member with a Telegram user id, if any."""
    row = (await session.execute(_ACTIVE_STAFF_BY_USER, {"user": telegram_user_id})).first()
    return StaffDTO.model_validate(row) if row else None


async def get_staff(session: AsyncSession, staff_id: int) -> StaffDTO | None:
    """Returns a staff member by row id (active or not)."""
    row = await session.get(StaffMember, staff_id)
    return StaffDTO.model_validate(row) if row else None


async def save_staff(
    session: AsyncSession,
    telegram_user_id: int,
    display_name: str,
    districts: list[str],
    now: datetime,
    *,
    from_admin_list: bool = False,
    username: str | None = None,
) -> StaffDTO:
    """Adds a staff member, or updates and reactivates an existing one (a known username is
    kept unless a new one is given)."""
    row = await session.scalar(
        select(StaffMember).where(StaffMember.telegram_user_id == telegram_user_id)
    )
    if row is None:
        row = StaffMember(telegram_user_id=telegram_user_id, created_at=now)
        session.add(row)
    row.display_name, row.districts, row.active, row.updated_at = (
        display_name,
        districts,
        True,
        now,
    )
    row.from_admin_list = from_admin_list
    if username:
        row.username = username[:32]
    await session.flush()
    return StaffDTO.model_validate(row)


async def remember_username(
    session: AsyncSession, telegram_user_id: int, username: str | None
) -> None:
    """Stores a staff member's current Telegram @username (or that they have none)."""
    await session.execute(
        update(StaffMember)
        .where(StaffMember.telegram_user_id == telegram_user_id)
        .values(username=username[:32] if username else None)
    )


async def deactivate_staff(session: AsyncSession, telegram_user_id: int, now: datetime) -> bool:
    """Marks a staff member inactive; returns whether one was active."""
    result = await session.execute(
        update(StaffMember)
        .where(StaffMember.telegram_user_id == telegram_user_id, StaffMember.active.is_(True))
        .values(active=False, updated_at=now)
    )
    return (result.rowcount or 0) > 0


async def set_signature(session: AsyncSession, staff_id: int, signature: str | None) -> None:
    """Sets (or with None clears) the line added under a staff member's replies."""
    await session.execute(
        update(StaffMember).where(StaffMember.id == staff_id).values(signature=signature)
    )


async def set_notify_privately(session: AsyncSession, staff_id: int, privately: bool) -> None:
    """Sets whether a staff member is told of their tickets in a private chat."""
    await session.execute(
        update(StaffMember).where(StaffMember.id == staff_id).values(notify_privately=privately)
    )


async def active_staff(session: AsyncSession) -> list[StaffDTO]:
    """Returns every active staff member, by name."""
    rows = await session.scalars(
        select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.display_name)
    )
    return [StaffDTO.model_validate(r) for r in rows]


async def staff_names(session: AsyncSession) -> dict[int, str]:
    """Every staff member's display name by row id (for lists)."""
    rows = await session.execute(_NAMES)
    return {staff_id: name for staff_id, name in rows.all()}


async def staff_directory(session: AsyncSession) -> tuple[dict[int, str], dict[int, str]]:
    """Every staff member's display name by row id and by Telegram user id, in one query."""
    rows = (await session.execute(_DIRECTORY)).all()
    return {i: name for i, _u, name in rows}, {u: name for _i, u, name in rows}


async def staff_names_by_user(session: AsyncSession) -> dict[int, str]:
    """Every staff member's display name by Telegram user id (for histories)."""
    rows = await session.execute(select(StaffMember.telegram_user_id, StaffMember.display_name))
    return {user_id: name for user_id, name in rows.all()}


async def add_audit(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Records a staff action outside one ticket's history."""
    session.add(AuditEntry(actor_id=actor_id, action=action, detail=detail or {}, created_at=now))
    await session.flush()


async def recent_audit(session: AsyncSession, limit: int) -> list[AuditDTO]:
    """Returns the newest audit entries."""
    rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    return [AuditDTO.model_validate(r) for r in rows]


async def revoke_former_admins(
    session: AsyncSession, admin_ids: list[int], now: datetime
) -> list[int]:
    """Deactivates staff rows made for admin ids no longer in the admin list; returns their
    user ids."""
    gone = list(
        await session.scalars(
            select(StaffMember.telegram_user_id).where(
                StaffMember.from_admin_list.is_(True),
                StaffMember.active.is_(True),
                StaffMember.telegram_user_id.not_in(admin_ids),
            )
        )
    )
    if gone:
        await session.execute(
            update(StaffMember)
            .where(StaffMember.telegram_user_id.in_(gone))
            .values(active=False, updated_at=now)
        )
    return gone
