"""The HTTP side of a worker: Telegram's webhook, /healthz and /metrics (an ASGI app)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.inbox_worker import InboxWorker, for_inbox
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.reading import (
    keep_unreadable,
    read_update,
    store_in_inbox,
    well_formed,
)
from bot.health import check_health
from bot.services import Services

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1_000_000


def parse_update(body: bytes, app: Application) -> tuple[Any, Update | None]:
    """The posted JSON (None if it is not JSON) and its Update (None if it cannot be read)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None, None
    return payload, read_update(payload, app.bot)


def secret_matches(given: str | None, expected: str) -> bool:
    """Compares the secret Telegram sent with ours in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class WebhookEndpoints:
    """Stores each posted update before answering 200; reports health and metrics."""

    def __init__(
        self,
        app: Application,
        worker: InboxWorker | None,
        notices: OutageNotices,
        secret: str | None,
    ) -> None:
        self._app = app
        self._worker = worker
        self._notices = notices
        self._secret = secret

    @property
    def _services(self) -> Services:
        """The application's services."""
        return self._app.bot_data[SERVICES_KEY]

    def asgi(
        self, webhook_path: str | None, health: bool = True, extra: Sequence[Route] = ()
    ) -> Starlette:
        """The ASGI application: the webhook route when a path is given, /healthz and /metrics
        unless `health` is False (they are then served by a listener of their own), and any
        `extra` routes (LINE's webhook)."""
        routes = list(extra)
        if health:
            routes += [
                Route("/healthz", self.healthz, methods=["GET"]),
                Route("/metrics", self.metrics, methods=["GET"]),
            ]
        if webhook_path is not None:
            routes.append(Route(webhook_path, self.receive, methods=["POST"]))
        return Starlette(routes=routes)

    async def receive(self, request: Request) -> Response:
        """Stores one update from Telegram: 200 once stored (one that cannot be read is kept
        for an operator), 503 so Telegram retries, 403, 413, or 400 for anything that is not a
        well-formed update (nothing is stored then)."""
        if self._secret is None or not secret_matches(
            request.headers.get(SECRET_HEADER), self._secret
        ):
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return Response(status_code=413)
        payload, update = parse_update(body, self._app)
        if update is None:
            if not well_formed(payload):
                return Response(status_code=400)
            kept = await keep_unreadable(self._services, [payload])
            return Response(status_code=200 if kept else 503)
        if not await store_in_inbox(self._services, [for_inbox(update, payload)]):
            # Telegram sends it again; the resident is told their words are kept.
            return Response(
                status_code=503,
                background=BackgroundTask(self._notices.tell, self._app.bot, update),
            )
        if self._worker is not None:
            self._worker.stored([update])
        return Response(status_code=200)

    async def healthz(self, _request: Request) -> Response:
        """The database, the backlogs and the last digest; 503 when the database is down."""
        health = await check_health(self._services)
        return JSONResponse(health.as_json(), status_code=200 if health.database else 503)

    async def metrics(self, _request: Request) -> Response:
        """Prometheus metrics of this worker, with the backlogs read just now."""
        await check_health(self._services)
        return Response(
            self._services.metrics.exposition(),
            media_type="text/plain; version=0.0.4; charset=utf-8",
        )
