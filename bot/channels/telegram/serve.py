"""Runs a worker: the inbox worker, the jobs, and either long polling or the webhook server."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import urlsplit

import h11
import uvicorn
from starlette.routing import Route
from telegram.ext import Application
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.channels.line.wiring import close_line, line_events, line_webhook
from bot.channels.telegram.context import LANES_KEY, SERVICES_KEY
from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.polling import ALLOWED_UPDATES, UpdateFetcher
from bot.channels.telegram.webhook import WebhookEndpoints
from bot.heap import settle_start_up_heap
from bot.services import Services
from bot.staff.desk import revoke_removed_admins
from storage.db import refresh_planner_statistics

log = logging.getLogger(__name__)
# How long a stopping worker waits for answers queued for a group's pace.
LANES_DRAIN_SECONDS = 10.0

# A request (headers and body) must arrive within this long of the connection opening or of
# the previous answer; an idle kept-alive connection is closed after KEEP_ALIVE_SECONDS.
REQUEST_READ_SECONDS = 10.0
KEEP_ALIVE_SECONDS = 5
MAX_HEADER_BYTES = 16 * 1024
MAX_CONNECTIONS = 200


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that also drops a client sending its request too slowly."""

    read_seconds = REQUEST_READ_SECONDS

    def connection_made(self, transport) -> None:  # noqa: ANN001 - uvicorn's signature
        super().connection_made(transport)
        self._read_deadline = self.loop.call_later(self.read_seconds, self._too_slow)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.DONE and self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._read_deadline is not None:
            self._read_deadline.cancel()
        self._read_deadline = self.loop.call_later(self.read_seconds, self._too_slow)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        """Closes the connection unless a whole request came in meanwhile."""
        self._read_deadline = None
        if self.conn.their_state is not h11.DONE and not self.transport.is_closing():
            self.transport.close()


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside our event loop; the worker's own stop signal ends it, not uvicorn's."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leaves signal handling to the worker."""
        yield


def stop_if_it_fails(task: asyncio.Task, name: str, stop: asyncio.Event) -> asyncio.Task:
    """Stops the worker when this task ends with an error (Telegram answering that the token
    is invalid or that another bot polls with it, say) instead of running on without it; the
    error is raised again when the worker has stopped, so the process exits with a failure."""

    def ended(done: asyncio.Task) -> None:
        """Sets `stop` if the task failed."""
        if not done.cancelled() and done.exception() is not None:
            log.error("%s stopped (%s); stopping the worker", name, type(done.exception()).__name__)
            stop.set()

    task.add_done_callback(ended)
    return task


def http_server(
    endpoints: WebhookEndpoints,
    host: str,
    port: int,
    webhook_path: str | None,
    health: bool = True,
    read_seconds: float = REQUEST_READ_SECONDS,
    extra: Sequence[Route] = (),
) -> EmbeddedServer:
    """The HTTP server for the webhook (when a path is given) and /healthz and /metrics (when
    `health`), with bounded headers, read time, keep-alive and connections."""
    protocol = type("Protocol", (GuardedH11Protocol,), {"read_seconds": read_seconds})
    config = uvicorn.Config(
        endpoints.asgi(webhook_path, health=health, extra=extra),
        host=host,
        port=port,
        http=protocol,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        limit_concurrency=MAX_CONNECTIONS,
        server_header=False,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    return EmbeddedServer(config)


async def revoke_admins_removed_since_last_run(services: Services) -> None:
    """Ends the staff rows of ids that have left MADOGUCHI_ADMIN_IDS since the last run."""
    async with services.db.begin() as session:
        gone = await revoke_removed_admins(session, services)
    if gone:
        log.info("%d former admin(s) are no longer staff", len(gone))


async def drain_lanes(app: Application) -> None:
    """Gives answers still waiting for a group's pace a few seconds to leave before stopping."""
    try:
        await app.bot_data[LANES_KEY].drain(timeout=LANES_DRAIN_SECONDS)
    except TimeoutError:
        log.warning("stopped with answers to a group still unsent")


def stop_on_signals(stop: asyncio.Event) -> None:
    """Sets `stop` on SIGINT or SIGTERM."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def serve(app: Application, *, webhook: bool, stop: asyncio.Event | None = None) -> None:
    """Runs one worker until SIGINT or SIGTERM (or until `stop` is set)."""
    services: Services = app.bot_data[SERVICES_KEY]
    settings = services.settings
    notices = OutageNotices(services.catalogs)
    worker = InboxWorker(
        app,
        notices,
        concurrency=1 if not settings.is_postgres else 4,
        line=line_events(app, services),
        # Long polling means this is the only worker (see release_leases below).
        sole=not webhook,
    )
    line = line_webhook(services, worker.wake)
    extra = [line.route()] if line is not None else []
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    endpoints = WebhookEndpoints(app, worker, notices, secret)
    if stop is None:
        stop = asyncio.Event()
        stop_on_signals(stop)
    # With a health port, /healthz and /metrics get a listener of their own (loopback by
    # default) and the public webhook listener serves only the webhook.
    separate_health = settings.health_port is not None
    servers: list[EmbeddedServer] = []
    if separate_health:
        servers.append(http_server(endpoints, settings.health_listen, settings.health_port, None))
    async with app:
        await revoke_admins_removed_since_last_run(services)
        # As the daily retention run does: a database new to this version has none yet.
        await refresh_planner_statistics(services.db)
        log.info("start-up objects kept out of garbage collection: %d", settle_start_up_heap())
        tasks = [stop_if_it_fails(asyncio.create_task(worker.run(stop)), "the inbox worker", stop)]
        if webhook:
            path = urlsplit(settings.webhook_url).path or "/"
            servers.append(
                http_server(
                    endpoints,
                    settings.webhook_listen,
                    settings.webhook_port,
                    path,
                    health=not separate_health,
                    extra=extra,
                )
            )
            await app.bot.set_webhook(
                settings.webhook_url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
            )
            log.info(
                "webhook set; listening on %s:%s", settings.webhook_listen, settings.webhook_port
            )
        else:
            # Long polling means this is the only worker: take over what a crashed run held.
            await worker.release_leases()
            await services.relay.take_over()
            await app.bot.delete_webhook(drop_pending_updates=False)
            fetching = asyncio.create_task(UpdateFetcher(app, worker, notices).run(stop))
            tasks.append(stop_if_it_fails(fetching, "long polling", stop))
            log.info("long polling")
            if extra:
                # LINE only posts: its webhook is served beside polling, on the webhook port.
                servers.append(
                    http_server(
                        endpoints,
                        settings.webhook_listen,
                        settings.webhook_port,
                        None,
                        health=not separate_health,
                        extra=extra,
                    )
                )
        tasks += [asyncio.create_task(server.serve()) for server in servers]
        await app.start()
        await stop.wait()
        log.info("stopping")
        for server in servers:
            server.should_exit = True
        services.relay.stop()
        ended = await asyncio.gather(*tasks, return_exceptions=True)
        await drain_lanes(app)
        await app.stop()
        await services.relay.close()
        await close_line(app)
        failures = [result for result in ended if isinstance(result, Exception)]
        if failures:
            raise failures[0]
