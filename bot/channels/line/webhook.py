"""LINE's webhook: checks the signature, stores each event in the inbox, then answers 200."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from linebot.v3.webhook import SignatureValidator
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.line.events import user_of
from bot.services import Services
from storage import inbox
from storage.line import chat_for_line_user, take_line_event

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-line-signature"
PATH = "/line"
MAX_BODY_BYTES = 1_000_000
# LINE sends a few events per request; more than this is not LINE.
MAX_EVENTS = 100
MAX_EVENT_ID = 64


def well_formed(payload: object) -> bool:
    """Whether a signed body has LINE's shape: an object with a list of event objects."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        return False
    events = payload["events"]
    return len(events) <= MAX_EVENTS and all(isinstance(event, dict) for event in events)


def event_id(event: dict[str, Any]) -> str | None:
    """An event's webhookEventId, the same on every redelivery."""
    value = event.get("webhookEventId")
    return value if isinstance(value, str) and 0 < len(value) <= MAX_EVENT_ID else None


class LineWebhook:
    """POST /line: 401 without a valid signature (nothing stored), 200 once stored, 503 when
    the database is down (LINE delivers again)."""

    def __init__(
        self, services: Services, secret: str, wake: Callable[[], None] | None = None
    ) -> None:
        self._services = services
        self._validator = SignatureValidator(secret)
        self._wake = wake

    def route(self) -> Route:
        """The starlette route of the webhook."""
        return Route(PATH, self.receive, methods=["POST"])

    async def _body(self, request: Request) -> bytes | None:
        """The raw body, or None once it grows past the limit."""
        declared = request.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > MAX_BODY_BYTES:
            return None
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return None
        return body

    def _signed(self, body: bytes, signature: str | None) -> bool:
        """Whether the body carries our channel's signature (compared in constant time)."""
        if not signature or not signature.isascii():
            return False
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return self._validator.validate(text, signature)

    async def receive(self, request: Request) -> Response:
        """Stores every event of one webhook request in order."""
        body = await self._body(request)
        if body is None:
            return Response(status_code=413)
        if not self._signed(body, request.headers.get(SIGNATURE_HEADER)):
            return Response(status_code=401)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return Response(status_code=400)
        if not well_formed(payload):
            return Response(status_code=400)
        services = self._services
        try:
            async with services.db.begin() as session:
                now = services.clock()
                received = []
                for event in payload["events"]:
                    user, key = user_of(event), event_id(event)
                    if user is None or key is None:
                        continue  # groups, rooms and anything without an id: not a resident
                    update_id = await take_line_event(session, key, now)
                    if update_id is None:
                        continue  # a redelivery of an event already taken in
                    chat = await chat_for_line_user(session, user, now)
                    received.append((chat, {"update_id": update_id, "chat": chat, "line": event}))
                if received:
                    await inbox.store_updates(session, received, now)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("could not store LINE events (%s); LINE will redeliver", type(exc).__name__)
            return Response(status_code=503)
        if received and self._wake is not None:
            self._wake()
        return Response(status_code=200)
