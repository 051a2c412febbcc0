"""A fake Telegram Bot API server on loopback, for fault tests that run the real bot process."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
LIMITED = SENDS | {"editMessageText", "editMessageReplyMarkup"}
TEXT_LIMIT = 4096
BOT_ID = 1
# getChatMember's answer for an administrator with every right.
ADMINISTRATOR = {
    "status": "administrator",
    **dict.fromkeys(
        (
            "can_be_edited is_anonymous can_manage_chat can_delete_messages can_manage_video_chats "
            "can_restrict_members can_promote_members can_change_info can_invite_users "
            "can_post_stories can_edit_stories can_delete_stories can_pin_messages"
        ).split(),
        True,
    ),
    "can_be_edited": False,
    "is_anonymous": False,
}
# getChatMember's answer for a member the group's admins forbade to send messages.
MUTED = {
    "status": "restricted",
    "is_member": True,
    "until_date": 0,
    **dict.fromkeys(
        (
            "can_change_info can_invite_users can_pin_messages can_send_messages can_send_polls "
            "can_send_other_messages can_add_web_page_previews can_manage_topics can_send_audios "
            "can_send_documents can_send_photos can_send_videos can_send_video_notes "
            "can_send_voice_notes can_edit_tag can_react_to_messages"
        ).split(),
        False,
    ),
}
CAPTION_LIMIT = 1024


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional response parameters."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        """Keeps the parts of the error answer."""
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters or {}

    def payload(self) -> dict:
        """The JSON body Telegram would send for this error."""
        body: dict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class FakeTelegram:
    """Answers Bot API calls, hands out updates like Telegram does and records what the bot sent."""

    def __init__(self, *, enforce_limits: bool = False, retry_after: int = 1) -> None:
        """An unstarted server; call start()."""
        self.enforce_limits, self.retry_after = enforce_limits, retry_after
        self.updates: list[dict] = []
        self.confirmed_offset = 0
        self.calls: list[dict] = []
        self.too_many_requests = 0
        self.down = False
        self.storm_chats: set[int] = set()
        self.webhook: dict | None = None
        # The doctor's questions: a refused token, chats that do not exist, members other than
        # the default (the bot an administrator of every group, anyone else a member), and
        # the error of Telegram's last webhook delivery.
        self.unauthorized = False
        self.unknown_chats: set[int] = set()
        self.members: dict[tuple[int, int], dict] = {}
        self.chat_permissions: dict[int, dict] = {}
        self.webhook_error: str | None = None
        self.deliveries: list[tuple[int, str, int]] = []
        self._cond = threading.Condition()
        self._stopped = threading.Event()
        self._next_update_id = 1
        self._dropped_below = 0
        self._message_ids = itertools.count(1)
        self._chat_sends: dict[int, deque[float]] = {}
        self._all_sends: deque[float] = deque()
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> FakeTelegram:
        """Serves on 127.0.0.1 at a free port from a daemon thread."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._spawn(self._server.serve_forever, 0.05)
        return self

    def stop(self) -> None:
        """Shuts the server, waiting long polls and the webhook pusher down."""
        self._stopped.set()
        with self._cond:
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=2)

    @property
    def api_url(self) -> str:
        """The value for MADOGUCHI_BOT_API_URL."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def add_update(self, body: dict) -> int:
        """Queues {"update_id": next id, **body} and wakes long polls; returns the id."""
        with self._cond:
            update_id = self._next_update_id
            self._next_update_id += 1
            self.updates.append({"update_id": update_id, **body})
            self._cond.notify_all()
        return update_id

    def text_update(self, user_id: int, text: str, language: str = "ja") -> int:
        """Queues a private text message from user_id; returns the update id."""
        chat = {"id": user_id, "type": "private", "first_name": "R"}
        return self.add_update({"message": self._incoming(chat, user_id, text, language)})

    def group_text_update(self, chat_id: int, user_id: int, text: str) -> int:
        """Queues a text message from user_id in the supergroup chat_id; returns the update id."""
        chat = {"id": chat_id, "type": "supergroup", "title": "G"}
        return self.add_update({"message": self._incoming(chat, user_id, text, "ja")})

    def _incoming(self, chat: dict, user_id: int, text: str, language: str) -> dict:
        """A Message dict as a user would send it, with a bot_command entity for /commands."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": "R", "language_code": language},
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message

    def unconfirmed(self) -> list[dict]:
        """Updates Telegram still holds: not confirmed by an offset (or a webhook 200) nor dropped."""
        with self._cond:
            return self._pending(0)

    def _pending(self, offset: int) -> list[dict]:
        """Held updates with update_id >= offset; the caller holds the lock."""
        floor = max(offset, self.confirmed_offset, self._dropped_below)
        return [update for update in self.updates if update["update_id"] >= floor]

    def sent(self, chat_id: int | None = None) -> list[dict]:
        """Params of successful sendMessage/sendPhoto/sendDocument calls, optionally for one chat."""
        with self._cond:
            return [
                call["params"]
                for call in self.calls
                if call["method"] in SENDS
                and call["status"] == 200
                and (chat_id is None or call["params"].get("chat_id") == str(chat_id))
            ]

    def texts(self, chat_id: int) -> list[str]:
        """The text (or caption) of each message sent to chat_id, in order."""
        return [p.get("text", p.get("caption", "")) for p in self.sent(chat_id)]

    def handle(self, method: str, params: dict[str, str]) -> tuple[int, dict]:
        """Answers one Bot API call and records it in `calls`; returns (HTTP status, body)."""
        with self._cond:
            call = {"method": method, "params": params, "at": time.monotonic(), "status": 0}
            self.calls.append(call)
            try:
                status, body = 200, {"ok": True, "result": self._result(method, params)}
            except ApiError as error:
                status, body = error.code, error.payload()
            except (KeyError, ValueError) as error:
                status, body = 400, ApiError(400, f"Bad Request: bad parameter {error}").payload()
            call["status"] = status
            return status, body

    def _result(self, method: str, params: dict[str, str]) -> object:
        """The result of a call, or ApiError; the caller holds the lock."""
        if self.down:
            raise ApiError(502, "Bad Gateway")
        if self.unauthorized:
            raise ApiError(401, "Unauthorized")
        if method in ("getChat", "getChatMember"):
            return self._chat_answer(method, params)
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "madoguchi",
                "username": "madoguchi_bot",
            }
        if method == "getUpdates":
            return self._get_updates(params)
        if method in ("setWebhook", "deleteWebhook"):
            self.webhook = dict(params) if method == "setWebhook" else None
            if params.get("drop_pending_updates") == "true":
                self._dropped_below = self._next_update_id
            return True
        if method == "getWebhookInfo":
            url = (self.webhook or {}).get("url", "")
            info = {
                "url": url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending(0)),
            }
            if self.webhook_error:
                info.update(last_error_date=int(time.time()), last_error_message=self.webhook_error)
            return info
        if method in LIMITED:
            self._check(method, params)
        if method == "sendMessage":
            return self._message(params, text=params["text"])
        if method == "sendPhoto":
            photo = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
            return self._message(params, caption=params.get("caption", ""), photo=photo)
        if method == "sendDocument":
            document = {"file_id": "d", "file_unique_id": "d"}
            return self._message(params, caption=params.get("caption", ""), document=document)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            if "inline_message_id" in params:
                return True
            text = {"text": params["text"]} if "text" in params else {}
            return self._message(params, message_id=int(params["message_id"]), **text)
        if method == "getMyCommands":
            return []
        return True

    def _chat_answer(self, method: str, params: dict[str, str]) -> dict:
        """getChat and getChatMember for groups (negative ids) the fake pretends exist."""
        chat_id = _chat_id(params)
        if chat_id >= 0 or chat_id in self.unknown_chats:
            raise ApiError(400, "Bad Request: chat not found")
        if method == "getChat":
            return {
                "id": chat_id,
                "type": "supergroup",
                "title": f"group {chat_id}",
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
                "permissions": {
                    "can_send_messages": True,
                    **self.chat_permissions.get(chat_id, {}),
                },
            }
        user_id = int(params["user_id"])
        user = {"id": user_id, "is_bot": user_id == BOT_ID, "first_name": "U"}
        member = self.members.get((chat_id, user_id))
        if member is None:
            member = ADMINISTRATOR if user_id == BOT_ID else {"status": "member"}
        return {"user": user, **member}

    def _get_updates(self, params: dict[str, str]) -> list[dict]:
        """Confirms below `offset`, then long-polls up to min(timeout, 1 s) for held updates."""
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        self.confirmed_offset = max(self.confirmed_offset, offset)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        self._cond.wait_for(lambda: self._pending(offset) or self._stopped.is_set(), timeout)
        return self._pending(offset)[:limit]

    def _check(self, method: str, params: dict[str, str]) -> None:
        """Raises 400 for bad text and 429 for storm chats or (when enforced) flood limits."""
        text, caption = params.get("text"), params.get("caption", "")
        if method in ("sendMessage", "editMessageText") and not (text or "").strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if "parse_mode" not in params and _utf16_len(text or "") > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        if "parse_mode" not in params and _utf16_len(caption) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        chat_id = _chat_id(params)
        if chat_id in self.storm_chats:
            raise self._too_many()
        if not self.enforce_limits:
            return
        now = time.monotonic()
        window, cap = (1.0, 1) if chat_id > 0 else (60.0, 20)
        chat_sends = self._chat_sends.setdefault(chat_id, deque())
        _forget_before(chat_sends, now - window)
        _forget_before(self._all_sends, now - 1.0)
        if (chat_id and len(chat_sends) >= cap) or len(self._all_sends) >= 30:
            raise self._too_many()
        chat_sends.append(now)
        self._all_sends.append(now)

    def _too_many(self) -> ApiError:
        """Counts and builds a 429 answer."""
        self.too_many_requests += 1
        return ApiError(
            429,
            f"Too Many Requests: retry after {self.retry_after}",
            {"retry_after": self.retry_after},
        )

    def _message(self, params: dict[str, str], **fields: object) -> dict:
        """A Message dict as Telegram returns for a message the bot sent or edited."""
        chat_id = _chat_id(params)
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            **fields,
        }

    def push_to(self, urls: list[str], secret: str, retry_delay: float = 0.2) -> None:
        """Delivers held updates one at a time, in order, round-robin to the worker URLs."""
        self._spawn(self._push, list(urls), secret, retry_delay)

    def delivered_all(self) -> bool:
        """Whether no update is left to deliver (or to confirm)."""
        return not self.unconfirmed()

    def _push(self, urls: list[str], secret: str, retry_delay: float) -> None:
        """The pusher thread: an update counts as delivered (confirmed) only on HTTP 200."""
        rotation = itertools.cycle(urls)
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending(0) or self._stopped.is_set())
                if self._stopped.is_set():
                    return
                update = self._pending(0)[0]
            url = next(rotation)
            status = _post_json(url, update, secret)
            with self._cond:
                self.deliveries.append((update["update_id"], url, status))
                if status == 200:
                    self.confirmed_offset = max(self.confirmed_offset, update["update_id"] + 1)
                    continue
            self._stopped.wait(retry_delay)

    def _spawn(self, target: object, *args: object) -> None:
        """Starts and remembers a daemon thread."""
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()


class _Server(ThreadingHTTPServer):
    """The HTTP side, one thread per connection."""

    daemon_threads = True
    allow_reuse_address = True
    fake: FakeTelegram

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: clients that hang up mid long-poll are normal."""


class _Handler(BaseHTTPRequestHandler):
    """Turns an HTTP request into FakeTelegram.handle(method, params)."""

    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        """Quiet."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """Answers a Bot API call sent as form data, multipart or JSON."""
        length = int(self.headers.get("Content-Length") or 0)
        params = _parse(self.headers.get("Content-Type", ""), self.rfile.read(length))
        self._answer(urlsplit(self.path).path.rsplit("/", 1)[-1], params)

    def _answer(self, method: str, params: dict[str, str]) -> None:
        """Writes the JSON answer."""
        status, body = self.server.fake.handle(method, params)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _parse(content_type: str, body: bytes) -> dict[str, str]:
    """Request parameters as strings; file parts become their filename (or "<file>")."""
    if content_type.startswith("application/json"):
        data = json.loads(body or b"{}")
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    if not content_type.startswith("multipart/form-data"):
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    params: dict[str, str] = {}
    for part in BytesParser(policy=HTTP).parsebytes(head + body).iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None or "Content-Type" in part:
            params[name] = part.get_filename() or "<file>"
        else:
            params[name] = part.get_payload(decode=True).decode()
    return params


def _chat_id(params: dict[str, str]) -> int:
    """The numeric chat_id of a call, 0 when absent or a @username."""
    try:
        return int(params.get("chat_id", "0"))
    except ValueError:
        return 0


def _utf16_len(text: str) -> int:
    """Length as Telegram counts it, in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _forget_before(times: deque[float], cutoff: float) -> None:
    """Drops timestamps older than the sliding window."""
    while times and times[0] <= cutoff:
        times.popleft()


def _post_json(url: str, update: dict, secret: str) -> int:
    """POSTs one update as a webhook would; the HTTP status, or -1 when unreachable."""
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return -1
