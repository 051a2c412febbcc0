"""Runs a worker: the inbox worker, the jobs, and either long polling or the webhook server."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import uvicorn
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.polling import UpdateFetcher
from bot.channels.telegram.webhook import WebhookEndpoints
from bot.services import Services

log = logging.getLogger(__name__)


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside our event loop; the worker's own stop signal ends it, not uvicorn's."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leaves signal handling to the worker."""
        yield


def http_server(
    endpoints: WebhookEndpoints, host: str, port: int, webhook_path: str | None
) -> EmbeddedServer:
    """The HTTP server for the webhook (when a path is given), /healthz and /metrics."""
    config = uvicorn.Config(
        endpoints.asgi(webhook_path),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    return EmbeddedServer(config)


def stop_on_signals(stop: asyncio.Event) -> None:
    """Sets `stop` on SIGINT or SIGTERM."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def serve(app: Application, *, webhook: bool) -> None:
    """Runs one worker until SIGINT or SIGTERM."""
    services: Services = app.bot_data[SERVICES_KEY]
    settings = services.settings
    notices = OutageNotices(services.catalogs)
    worker = InboxWorker(app, notices, concurrency=1 if not settings.is_postgres else 4)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    endpoints = WebhookEndpoints(app, worker, notices, secret)
    stop = asyncio.Event()
    stop_on_signals(stop)
    async with app:
        tasks = [asyncio.create_task(worker.run(stop))]
        server: EmbeddedServer | None = None
        if webhook:
            path = urlsplit(settings.webhook_url).path or "/"
            server = http_server(endpoints, settings.webhook_listen, settings.webhook_port, path)
            await app.bot.set_webhook(
                settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
            )
            log.info(
                "webhook set; listening on %s:%s", settings.webhook_listen, settings.webhook_port
            )
        else:
            # Long polling means this is the only worker: take over what a crashed run held.
            await worker.release_leases()
            await services.relay.take_over()
            await app.bot.delete_webhook(drop_pending_updates=False)
            tasks.append(asyncio.create_task(UpdateFetcher(app, worker, notices).run(stop)))
            if settings.health_port is not None:
                server = http_server(endpoints, settings.webhook_listen, settings.health_port, None)
            log.info("long polling")
        if server is not None:
            tasks.append(asyncio.create_task(server.serve()))
        await app.start()
        await stop.wait()
        log.info("stopping")
        if server is not None:
            server.should_exit = True
        services.relay.stop()
        await asyncio.gather(*tasks)
        await app.stop()
        await services.relay.close()
