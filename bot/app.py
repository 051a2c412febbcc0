"""Wiring: builds the PTB Application with our handlers, jobs and services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import AIORateLimiter, Application, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
from bot.context import SERVICES_KEY, MadoguchiContext, Services, utc_now
from bot.deliveries import TicketDeliveryHooks
from bot.calendar import BusinessCalendar
from bot.i18n import Catalogs
from bot.outbox import OutboxRelay
from bot.settings import Settings

LOCAL_TOKEN = "0:local"


def build_application(
    settings: Settings, db: async_sessionmaker[AsyncSession], request: BaseRequest | None = None,
    *, clock: Callable[[], datetime] = utc_now, catalogs: Catalogs | None = None,
    rate_limit: bool = True,
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
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))
    app = builder.build()
    app.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        db=db,
        catalogs=catalogs or Catalogs(),
        profile=settings.load_profile(),
        relay=OutboxRelay(db, clock, settings.outbox_max_attempts),
        calendar=BusinessCalendar.from_settings(settings),
        clock=clock,
    )
    services: Services = app.bot_data[SERVICES_KEY]
    services.relay.use_hooks(TicketDeliveryHooks(services))
    handlers.register(app)
    return app
