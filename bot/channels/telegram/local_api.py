"""A local Bot API at PTB's transport layer: answers the bot's requests without Telegram.

`madoguchi chat` talks through it, and the tests use it as their fake Telegram server. It
records every call, keeps the messages it was asked to send, and can be told to fail.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

STAND_IN_FILE = b"\xff\xd8\xff\xe0 a photo sent in a local chat"
BOT_USER = {"id": 1, "is_bot": True, "first_name": "madoguchi", "username": "madoguchi_local_bot"}
# The tags Telegram's HTML parse mode accepts; anything else is refused, as Telegram does.
TELEGRAM_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_BARE_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class _TelegramHtmlCheck(HTMLParser):
    """Finds what Telegram would refuse in an HTML message: unknown or unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problem = self.problem or f'Unsupported start tag "{tag}"'
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problem = self.problem or f'Unexpected end tag "{tag}"'


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse this text in HTML parse mode, or None if it would take it."""
    if _BARE_AMPERSAND.search(text):
        return "Unsupported entity: a bare '&'"
    if re.search(r"<(?![a-zA-Z/])", text):
        return "Unexpected '<'"
    check = _TelegramHtmlCheck()
    check.feed(text)
    check.close()
    if check.problem is None and check.open:
        return f'Can\'t find end tag corresponding to start tag "{check.open[-1]}"'
    return check.problem


@dataclass
class ApiCall:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    result: Any = None


@dataclass
class Failure:
    """A failure to answer the next matching request with."""

    method: str
    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    network: bool = False
    chat_id: int | None = None


@dataclass
class StoredMessage:
    """A message as the local server holds it."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None = None
    edits: int = 0
    reply_to_message_id: int | None = None
    document: bytes | None = None
    filename: str | None = None


@dataclass
class LocalBotApi(BaseRequest):
    """A BaseRequest that plays Telegram's Bot API in memory."""

    calls: list[ApiCall] = field(default_factory=list)
    messages: dict[tuple[int, int], StoredMessage] = field(default_factory=dict)
    failures: deque[Failure] = field(default_factory=deque)
    # When set, the only chats that exist: a call for any other is answered as if Telegram
    # were unreachable, so the outbox relay keeps that message waiting, untouched.
    only_chats: frozenset[int] | None = None
    # Files users sent, by file id, as getFile and a download would give them.
    files: dict[str, bytes] = field(default_factory=dict)
    _next_message_id: int = 1000

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (unused: nothing goes over a network)."""
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def fail_next(self, method: str, **failure: Any) -> None:
        """Makes the next request of a method fail (status, retry_after or network=True),
        optionally only the next one to a given chat_id."""
        self.failures.append(Failure(method, **failure))

    def new_message_id(self) -> int:
        """The next message id, shared by the bot's and the users' messages as in a chat."""
        self._next_message_id += 1
        return self._next_message_id

    def continue_after(self, message_id: int) -> None:
        """Makes new message ids follow one a previous run already used."""
        self._next_message_id = max(self._next_message_id, message_id)

    def sent_to(self, chat_id: int) -> list[StoredMessage]:
        """Returns the messages sent to a chat, oldest first."""
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answers one Bot API request, or a file download."""
        if "/file/bot" in url:
            # Telegram has every file a user sent; a test that gave none gets a small stand-in.
            return 200, self.files.get(url.rsplit("/", 1)[-1], STAND_IN_FILE)
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            for key, (filename, content, _mime) in request_data.multipart_data.items():
                params[key] = {"filename": filename, "content": content}
        call = ApiCall(name, params)
        self.calls.append(call)
        chat = params.get("chat_id")
        if self.only_chats is not None and chat is not None and int(chat) not in self.only_chats:
            raise NetworkError(f"chat {chat} is not a local chat")
        failure = next(
            (
                f
                for f in self.failures
                if f.method == name
                and (f.chat_id is None or str(f.chat_id) == str(params.get("chat_id")))
            ),
            None,
        )
        if failure is not None:
            self.failures.remove(failure)
            return self._fail(failure)
        text = params.get("text", params.get("caption"))
        if params.get("parse_mode") == "HTML" and isinstance(text, str):
            problem = html_problem(text)
            if problem is not None:
                return 400, json.dumps(
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": f"Bad Request: can't parse entities: {problem}",
                    }
                ).encode()
        handler = getattr(self, f"_api_{name}", None)
        result = handler(params) if handler else True
        call.result = result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _fail(self, failure: Failure) -> tuple[int, bytes]:
        """Produces the failure Telegram would send."""
        if failure.network:
            raise NetworkError("simulated network failure")
        body: dict[str, Any] = {
            "ok": False,
            "error_code": failure.status,
            "description": failure.description,
        }
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
        return failure.status, json.dumps(body).encode()

    def _message(self, stored: StoredMessage) -> dict[str, Any]:
        """A Message object as Telegram returns it."""
        chat_type = "private" if stored.chat_id > 0 else "supergroup"
        result: dict[str, Any] = {
            "message_id": stored.message_id,
            "date": int(time.time()),
            "chat": {"id": stored.chat_id, "type": chat_type},
            "from": BOT_USER,
            "text": stored.text,
        }
        if (stored.reply_markup or {}).get("inline_keyboard"):
            result["reply_markup"] = stored.reply_markup
        return result

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files.get(file_id, b"")),
            "file_path": f"files/{file_id}",
        }

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return []

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self.new_message_id()
        reply = _markup(params.get("reply_parameters")) or {}
        stored = StoredMessage(
            chat_id=int(params["chat_id"]),
            message_id=self._next_message_id,
            text=str(params["text"]),
            reply_markup=_markup(params.get("reply_markup")),
            reply_to_message_id=reply.get("message_id"),
        )
        self.messages[(stored.chat_id, stored.message_id)] = stored
        return self._message(stored)

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._api_sendDocument(params, field_name="photo")

    def _api_sendDocument(
        self, params: dict[str, Any], field_name: str = "document"
    ) -> dict[str, Any]:
        self.new_message_id()
        document = params.get(field_name) or {}
        stored = StoredMessage(
            chat_id=int(params["chat_id"]),
            message_id=self._next_message_id,
            text=str(params.get("caption") or ""),
            document=document.get("content"),
            filename=document.get("filename"),
        )
        self.messages[(stored.chat_id, stored.message_id)] = stored
        result = self._message(stored)
        result["document"] = {
            "file_id": f"doc{stored.message_id}",
            "file_unique_id": f"u{stored.message_id}",
            "file_name": stored.filename,
        }
        return result

    def _edit(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        key = (int(params["chat_id"]), int(params["message_id"]))
        stored = self.messages.get(key)
        if stored is None:
            return True
        if "text" in params:
            stored.text = str(params["text"])
        stored.reply_markup = _markup(params.get("reply_markup"))
        stored.edits += 1
        return self._message(stored)

    _api_editMessageText = _edit
    _api_editMessageReplyMarkup = _edit

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        self.messages.pop((int(params["chat_id"]), int(params["message_id"])), None)
        return True


def _markup(value: Any) -> dict[str, Any] | None:
    """Reads reply_markup, which PTB may pass as an object or as JSON text."""
    if value is None:
        return None
    if isinstance(value, str):
        return json.loads(value)
    return value
