"""A fake LINE Messaging API on loopback: reply, push and profile, with LINE's limits checked."""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCESS_TOKEN = "test-line-access-token"
MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_DATA = 300


class Refusal(Exception):
    """An error answer: HTTP status and LINE's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def check_messages(messages: object) -> None:
    """Refuses what LINE would refuse: too many messages, long texts, bad quick replies."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        raise Refusal(400, "The request body has 1 error(s): messages size")
    for message in messages:
        if message.get("type") != "text" or not 0 < len(message.get("text", "")) <= MAX_TEXT:
            raise Refusal(400, "The request body has 1 error(s): text")
        items = (message.get("quickReply") or {}).get("items", [])
        if len(items) > MAX_QUICK_REPLIES:
            raise Refusal(400, "The request body has 1 error(s): quickReply.items size")
        for item in items:
            action = item["action"]
            if not 0 < len(action["label"]) <= MAX_LABEL or len(action["data"]) > MAX_DATA:
                raise Refusal(400, "The request body has 1 error(s): quickReply label or data")


@dataclass
class Delivery:
    """Messages LINE showed a user: how they came (reply or push) and what they were."""

    user_id: str
    how: str
    messages: list[dict[str, Any]]


@dataclass
class FakeLine:
    """Answers the Messaging API calls the bot makes and records what users would see."""

    deliveries: list[Delivery] = field(default_factory=list)
    # Reply tokens handed out in events, by the user they belong to; used ones are removed.
    tokens: dict[str, str] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)
    languages: dict[str, str] = field(default_factory=dict)
    quota_used_up: bool = False
    calls: list[str] = field(default_factory=list)
    retry_keys: set[str] = field(default_factory=set)
    # While set, every push is answered with this HTTP status (LINE in trouble).
    push_status: int | None = None

    def __post_init__(self) -> None:
        self._ids = itertools.count(500000000000000001)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """The base URL to give MADOGUCHI_LINE_API_URL."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeLine:
        """Serves from a daemon thread on a free port."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stops serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def token_for(self, user_id: str) -> str:
        """A new reply token for an event of this user."""
        token = f"token-{next(self._ids)}"
        with self._lock:
            self.tokens[token] = user_id
        return token

    def seen_by(self, user_id: str) -> list[Delivery]:
        """What reached a user, oldest first."""
        with self._lock:
            return [d for d in self.deliveries if d.user_id == user_id]

    def answer(
        self, method: str, path: str, body: dict[str, Any], retry_key: str | None = None
    ) -> dict[str, Any]:
        """One API call's answer, or a Refusal."""
        self.calls.append(f"{method} {path}")
        if method == "POST" and path == "/v2/bot/message/reply":
            check_messages(body.get("messages"))
            with self._lock:
                token = body.get("replyToken")
                user = self.tokens.pop(token, None)
                if user is None or token in self.expired:
                    raise Refusal(400, "Invalid reply token")
                self.deliveries.append(Delivery(user, "reply", body["messages"]))
            return {"sentMessages": [{"id": str(next(self._ids))} for _ in body["messages"]]}
        if method == "POST" and path == "/v2/bot/message/push":
            if self.quota_used_up:
                raise Refusal(429, "You have reached your monthly limit.")
            if self.push_status is not None:
                raise Refusal(self.push_status, "Internal server error")
            check_messages(body.get("messages"))
            with self._lock:
                if retry_key is not None and retry_key in self.retry_keys:
                    raise Refusal(409, "The retry key is already accepted")
                if retry_key is not None:
                    self.retry_keys.add(retry_key)
                self.deliveries.append(Delivery(body["to"], "push", body["messages"]))
            return {"sentMessages": [{"id": str(next(self._ids))} for _ in body["messages"]]}
        if method == "GET" and path.startswith("/v2/bot/profile/"):
            user = path.rsplit("/", 1)[1]
            profile = {"displayName": "LINE user", "userId": user}
            if user in self.languages:
                profile["language"] = self.languages[user]
            return profile
        raise Refusal(404, "Not found")


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into FakeLine.answer calls."""

    def _serve(self, method: str) -> None:
        fake: FakeLine = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                raise Refusal(401, "Authentication failed")
            body = json.loads(raw or b"{}")
            retry_key = self.headers.get("X-Line-Retry-Key")
            status, payload = 200, fake.answer(method, self.path, body, retry_key)
        except Refusal as refusal:
            status, payload = refusal.status, {"message": refusal.message}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self._serve("POST")

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._serve("GET")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature
        """Keeps the test output quiet."""
