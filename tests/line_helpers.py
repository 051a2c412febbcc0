"""LINE in tests: a harness with LINE on against the fake API, and a resident on LINE."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.channels.line.wiring import close_line, line_events, line_webhook
from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.outage import OutageNotices
from bot.i18n import Catalogs
from storage.db import create_engine, create_sessionmaker
from tests.fake_line import ACCESS_TOKEN, FakeLine
from tests.fakes import Harness, settings_for_test

CHANNEL_SECRET = "test-line-channel-secret"


def signature(body: bytes, secret: str = CHANNEL_SECRET) -> str:
    """LINE's x-line-signature for a body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class LineDesk:
    """The harness's LINE side: the /line endpoint, the inbox worker and the fake API."""

    def __init__(self, harness: Harness, fake: FakeLine) -> None:
        self.harness = harness
        self.fake = fake
        self.event_ids = itertools.count(1)
        services = harness.services
        self.worker = InboxWorker(
            harness.app, OutageNotices(harness.catalogs), line=line_events(harness.app, services)
        )
        webhook = line_webhook(services, self.worker.wake)
        assert webhook is not None
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(Starlette(routes=[webhook.route()])),
            base_url="http://worker",
        )

    async def post(self, events: list[dict[str, Any]], secret: str = CHANNEL_SECRET) -> int:
        """Posts events as LINE would; returns the status code."""
        body = json.dumps({"destination": "Ubot", "events": events}).encode()
        answer = await self.client.post(
            "/line", content=body, headers={"x-line-signature": signature(body, secret)}
        )
        return answer.status_code

    async def drain(self) -> None:
        """Lets the inbox worker handle everything stored."""
        while await self.worker.handle_due():
            pass

    def event(self, user_id: str, kind: str, **fields: Any) -> dict[str, Any]:
        """A one-to-one event of a user, with a fresh reply token and id."""
        stamp = int(self.harness.clock().timestamp() * 1000)
        return {
            "type": kind,
            "mode": "active",
            "timestamp": stamp,
            "source": {"type": "user", "userId": user_id},
            "webhookEventId": f"01J{next(self.event_ids):023d}",
            "deliveryContext": {"isRedelivery": False},
            "replyToken": self.fake.token_for(user_id),
            **fields,
        }

    def resident(self, user_id: str = "U" + "a" * 32) -> LineResident:
        """A resident on LINE."""
        return LineResident(self, user_id)


class LineResident:
    """A LINE user in a test: sends text, presses quick replies by label, reads what came."""

    def __init__(self, desk: LineDesk, user_id: str) -> None:
        self.desk = desk
        self.user_id = user_id

    async def deliver(self, event: dict[str, Any]) -> dict[str, Any]:
        """Posts one event (200 expected) and lets the worker handle it."""
        assert await self.desk.post([event]) == 200
        await self.desk.drain()
        return event

    async def send(self, text: str) -> dict[str, Any]:
        """Sends a text message."""
        message = {"type": "text", "id": "1", "text": text, "quoteToken": "q"}
        return await self.deliver(self.desk.event(self.user_id, "message", message=message))

    async def send_other(self, message: dict[str, Any]) -> dict[str, Any]:
        """Sends a sticker, image, location or file."""
        return await self.deliver(self.desk.event(self.user_id, "message", message=message))

    async def follow(self) -> dict[str, Any]:
        """Adds the account as a friend."""
        return await self.deliver(self.desk.event(self.user_id, "follow", follow={}))

    async def unfollow(self) -> None:
        """Blocks the account (LINE sends no reply token then)."""
        event = self.desk.event(self.user_id, "unfollow")
        event.pop("replyToken")
        await self.deliver(event)

    async def click(self, label: str) -> dict[str, Any]:
        """Presses the quick reply whose label (or full option text) is `label`."""
        actions = [item["action"] for item in self.quick_replies()]
        matches = [a for a in actions if label in (a["label"], a.get("displayText"))]
        matches = matches or [a for a in actions if label in a.get("displayText", a["label"])]
        if not matches and label in self.texts()[-1]:
            # An option listed in the words but not among the quick replies: typed, as a
            # resident would.
            return await self.send(label)
        if len(matches) != 1:
            raise AssertionError(f"{len(matches)} quick replies match {label!r}: {self.labels()}")
        event = self.desk.event(self.user_id, "postback", postback={"data": matches[0]["data"]})
        return await self.deliver(event)

    def messages(self) -> list[dict[str, Any]]:
        """Every message LINE showed this user, oldest first."""
        return [m for d in self.desk.fake.seen_by(self.user_id) for m in d.messages]

    def texts(self) -> list[str]:
        """Every text shown, oldest first."""
        return [m["text"] for m in self.messages()]

    def said(self, fragment: str, since: int = 0) -> bool:
        """Whether any message (from index `since`) contains a fragment."""
        return any(fragment in text for text in self.texts()[since:])

    def quick_replies(self) -> list[dict[str, Any]]:
        """The quick replies of the newest message (LINE shows only those)."""
        messages = self.messages()
        return (messages[-1].get("quickReply") or {}).get("items", []) if messages else []

    def labels(self) -> list[str]:
        """Full option texts of the newest quick replies."""
        return [i["action"].get("displayText", i["action"]["label"]) for i in self.quick_replies()]


@pytest.fixture
async def line(database_url: str, catalogs: Catalogs) -> AsyncIterator[LineDesk]:
    """The real Application with LINE on, against a fake LINE API over HTTP."""
    fake = FakeLine().start()
    settings = settings_for_test(
        database_url,
        line_channel_secret=CHANNEL_SECRET,
        line_channel_access_token=ACCESS_TOKEN,
        line_api_url=fake.url,
    )
    engine = create_engine(database_url, settings.keyring())
    harness = Harness(settings, engine, create_sessionmaker(engine), catalogs)
    await harness.app.initialize()
    desk = LineDesk(harness, fake)
    try:
        yield desk
    finally:
        await desk.client.aclose()
        await close_line(harness.app)
        await harness.app.shutdown()
        await engine.dispose()
        fake.stop()
    assert harness.errors == [], f"handler errors: {harness.errors!r}"
