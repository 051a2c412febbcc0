"""Puts LINE into a built Application: the relay's sender, the events handler, the webhook."""

from __future__ import annotations

from telegram.ext import Application

from bot.channels.line.api import LineApi
from bot.channels.line.handling import LineEvents
from bot.channels.line.sender import ChannelSender, LineSender
from bot.channels.line.webhook import LineWebhook
from bot.channels.telegram.sender import TelegramSender
from bot.outbox.relay import Sender
from bot.services import Services

LINE_API_KEY = "line_api"


def attach_line(app: Application, services: Services, telegram: Sender) -> Sender:
    """With LINE on, keeps its client on the Application and returns the sender for both
    channels; else returns the Telegram sender unchanged."""
    settings = services.settings
    if not settings.line_enabled:
        return telegram
    api = LineApi(settings)
    app.bot_data[LINE_API_KEY] = api
    line = LineSender(services, api)
    return ChannelSender(telegram, line)


def line_api(app: Application) -> LineApi | None:
    """The Application's LINE client, when LINE is on."""
    return app.bot_data.get(LINE_API_KEY)


def line_events(app: Application, services: Services) -> LineEvents | None:
    """The inbox worker's handler of LINE events, when LINE is on."""
    api = line_api(app)
    return LineEvents(services, api) if api is not None else None


def line_webhook(services: Services, wake) -> LineWebhook | None:  # noqa: ANN001 - a callable
    """The POST /line endpoint, when LINE is on."""
    secret = services.settings.line_channel_secret
    if secret is None or not services.settings.line_enabled:
        return None
    return LineWebhook(services, secret.get_secret_value(), wake)


async def close_line(app: Application) -> None:
    """Closes the LINE client's HTTP session, if one was opened."""
    api = line_api(app)
    if api is not None:
        await api.close()


def use_line_api(app: Application, services: Services, api: LineApi) -> None:
    """Puts another LINE client (the console's local stand-in) in place of the configured one."""
    app.bot_data[LINE_API_KEY] = api
    services.relay.use_sender(ChannelSender(TelegramSender(app.bot), LineSender(services, api)))
