"""Staff invitations: one-time links, claimed and decided each exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import DTO
from storage.models import StaffInvitation


class InvitationDTO(DTO):
    """A staff invitation (never its token, which is not stored)."""

    id: int
    created_by: int
    districts: list[str]
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None
    opener_name: str | None
    opener_username: str | None
    opener_locale: str | None
    decision: str | None
    decided_by: int | None
    decided_at: datetime | None


async def add_invitation(
    session: AsyncSession,
    token_hash: str,
    created_by: int,
    districts: list[str],
    now: datetime,
    expires_at: datetime,
) -> InvitationDTO:
    """Stores a new invitation by its token's hash."""
    row = StaffInvitation(
        token_hash=token_hash,
        created_by=created_by,
        districts=districts,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return InvitationDTO.model_validate(row)


async def invitation_by_hash(session: AsyncSession, token_hash: str) -> InvitationDTO | None:
    """The invitation whose token has this hash, if any."""
    row = await session.scalar(
        select(StaffInvitation).where(StaffInvitation.token_hash == token_hash)
    )
    return InvitationDTO.model_validate(row) if row else None


async def get_invitation(session: AsyncSession, invitation_id: int) -> InvitationDTO | None:
    """An invitation by id."""
    row = await session.get(StaffInvitation, invitation_id, populate_existing=True)
    return InvitationDTO.model_validate(row) if row else None


async def claim_invitation(
    session: AsyncSession,
    invitation_id: int,
    user_id: int,
    name: str,
    username: str | None,
    locale: str,
    now: datetime,
) -> bool:
    """Records who opened an unused, unexpired invitation; False if someone was first or it
    has expired (one conditional UPDATE, so two openers can never both win)."""
    result = await session.execute(
        update(StaffInvitation)
        .where(
            StaffInvitation.id == invitation_id,
            StaffInvitation.used_at.is_(None),
            StaffInvitation.expires_at > now,
        )
        .values(
            used_by=user_id,
            used_at=now,
            opener_name=name[:64],
            opener_username=username[:32] if username else None,
            opener_locale=locale[:16],
        )
    )
    return (result.rowcount or 0) == 1


async def decide_invitation(
    session: AsyncSession, invitation_id: int, decision: str, admin_id: int, now: datetime
) -> bool:
    """Records an admin's confirmation or refusal of an opened invitation; False if it was
    already decided or never opened."""
    result = await session.execute(
        update(StaffInvitation)
        .where(
            StaffInvitation.id == invitation_id,
            StaffInvitation.used_at.is_not(None),
            StaffInvitation.decision.is_(None),
        )
        .values(decision=decision, decided_by=admin_id, decided_at=now)
    )
    return (result.rowcount or 0) == 1


async def forget_openers_before(session: AsyncSession, before: datetime) -> int:
    """Clears who opened invitations made before `before` (their name and @username); the
    rows and their audit entries keep only ids. Returns how many were cleared."""
    result = await session.execute(
        update(StaffInvitation)
        .where(
            StaffInvitation.created_at < before,
            (StaffInvitation.opener_name.is_not(None))
            | (StaffInvitation.opener_username.is_not(None)),
        )
        .values(opener_name=None, opener_username=None)
    )
    return result.rowcount or 0
