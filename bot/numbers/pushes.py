"""How many LINE pushes went out this quota month, for /stats."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.services import Services
from storage.line import pushes_since

# LINE counts its monthly message quota by the calendar month in Japan.
LINE_TIME = ZoneInfo("Asia/Tokyo")
PUSHES = N_("LINE pushes this month: {used}")
PUSHES_OF_LIMIT = N_("LINE pushes this month: {used} of {limit}")


def quota_month_start(now: datetime) -> datetime:
    """The start of LINE's quota month that `now` is in."""
    local = now.astimezone(LINE_TIME)
    return datetime(local.year, local.month, 1, tzinfo=LINE_TIME)


async def push_summary(session: AsyncSession, services: Services, t: Translator) -> str | None:
    """One line for /stats while LINE is on: pushes this month (of the plan's limit)."""
    settings = services.settings
    if not settings.line_enabled:
        return None
    used = await pushes_since(session, quota_month_start(services.clock()))
    if settings.line_push_monthly_limit is None:
        return t.gettext(PUSHES).format(used=used)
    return t.gettext(PUSHES_OF_LIMIT).format(used=used, limit=settings.line_push_monthly_limit)
