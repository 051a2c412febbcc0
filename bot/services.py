"""What every handler and job needs, passed explicitly: settings, database, catalogs, clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.calendar import BusinessCalendar
from bot.forms.definitions import DISTRICTS, UNKNOWN_DISTRICT
from bot.forms.model import Choice
from bot.i18n import N_, Catalogs
from bot.metrics import Metrics
from bot.outbox.relay import OutboxRelay
from bot.outcomes import HandlerOutcomes
from bot.safety import SafetyNet, default_net
from bot.settings import OfficeProfile, Settings
from bot.throttle import Throttle


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


# A person who is not staff hears the refusal once in this time in a group.
REFUSAL_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Services:
    """The application's collaborators; built once per Application."""

    settings: Settings
    db: async_sessionmaker[AsyncSession]
    catalogs: Catalogs
    profile: OfficeProfile
    relay: OutboxRelay
    calendar: BusinessCalendar
    clock: Callable[[], datetime] = utc_now
    metrics: Metrics = field(default_factory=Metrics)
    outcomes: HandlerOutcomes = field(default_factory=HandlerOutcomes)
    # The crisis net with the council's own phrases (built once per set of phrases).
    safety: SafetyNet = field(default_factory=default_net)
    # Refusals to people who are not staff, at most one per person per window in a group, so
    # that someone spamming commands there cannot fill the group's pace.
    refusals: Throttle = field(default_factory=lambda: Throttle(REFUSAL_WINDOW))
    # Names this process in leases held in the database (one worker among several).
    worker_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # dynamic_choices by locale, built on first use (the profile does not change while running).
    _choices: dict[str, dict[str, tuple[Choice, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def dynamic_choices(self, locale: str) -> dict[str, tuple[Choice, ...]]:
        """Choices that come from configuration (the districts), named in a locale; built once
        per locale and shared, so callers only read them."""
        if locale not in self._choices:
            districts = tuple(
                Choice(d.key, d.name.get(locale), translate=False, aliases=tuple(d.towns))
                for d in self.profile.districts
            )
            self._choices[locale] = {
                DISTRICTS: (*districts, Choice(UNKNOWN_DISTRICT, N_("Don't know")))
            }
        return self._choices[locale]
