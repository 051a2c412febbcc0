"""Wiring: builds the PTB Application with our handlers, jobs and services."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import AIORateLimiter, Application, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
from bot.calendar import BusinessCalendar
from bot.channels.telegram.context import LANES_KEY, SERVICES_KEY, MadoguchiContext
from bot.channels.telegram.lanes import ChatLanes
from bot.channels.telegram.sender import TelegramSender
from bot.i18n import Catalogs
from bot.metrics import Metrics
from bot.outbox.relay import OutboxRelay, RelayLimits
from bot.safety import net_for
from bot.services import Services, utc_now
from bot.settings import Settings
from bot.tickets.deliveries import TicketDeliveryHooks

LOCAL_TOKEN = "0:local"


def steady_rate_limiter() -> AIORateLimiter:
    """Telegram's limits as a steady pace rather than a bucket that allows bursts: one request
    every 1/28 s overall and one every 3.1 s per group, so a burst never meets a 429.

    Two requests a second of slack: requests leave at a steady pace but can reach Telegram
    bunched when the event loop is busy (at 1/29.7 s and at 1/29 s one second in a burst of a
    thousand sometimes held 31 on this 2-core machine with PostgreSQL).
    """
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / 28,
        group_max_rate=1,
        group_time_period=3.1,
        max_retries=0,
    )


def relay_limits(settings: Settings) -> RelayLimits:
    """The outbox relay's pacing and give-up rules from the settings."""
    return RelayLimits(
        max_attempts=settings.outbox_max_attempts,
        chat_interval_seconds=settings.outbox_chat_interval_seconds,
        # Twenty a minute per group; the small margin leaves room for staff commands' replies.
        group_interval_seconds=3.2 * settings.outbox_chat_interval_seconds,
        give_up_after=timedelta(hours=settings.outbox_give_up_hours),
    )


def build_application(
    settings: Settings,
    db: async_sessionmaker[AsyncSession],
    request: BaseRequest | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    catalogs: Catalogs | None = None,
    rate_limit: bool = True,
    updater: bool = True,
) -> Application:
    """Builds the Application; `request` replaces Telegram at the transport layer."""
    token = settings.bot_token.get_secret_value() if settings.bot_token else LOCAL_TOKEN
    builder = (
        Application.builder()
        .token(token)
        .context_types(ContextTypes(context=MadoguchiContext))
        .defaults(Defaults(tzinfo=settings.tz))
    )
    if settings.bot_api_url:
        builder = builder.base_url(settings.bot_api_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if not updater:
        # Updates come through our inbox (bot/polling.py, bot/webhook.py), not PTB's Updater.
        builder = builder.updater(None)
    if rate_limit:
        builder = builder.rate_limiter(steady_rate_limiter())
    app = builder.build()
    metrics = Metrics()
    worker_id = uuid.uuid4().hex
    profile = settings.load_profile()
    app.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        db=db,
        catalogs=catalogs or Catalogs(),
        profile=profile,
        relay=OutboxRelay(db, clock, relay_limits(settings), worker_id=worker_id, metrics=metrics),
        calendar=BusinessCalendar.from_settings(settings),
        clock=clock,
        metrics=metrics,
        safety=net_for(profile.safety_phrases),
        worker_id=worker_id,
    )
    app.bot_data[LANES_KEY] = ChatLanes(app.process_error)
    services: Services = app.bot_data[SERVICES_KEY]
    services.relay.use_hooks(TicketDeliveryHooks(services))
    services.relay.use_sender(TelegramSender(app.bot))
    handlers.register(app)
    return app
