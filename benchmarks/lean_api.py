"""A LocalBotApi whose own memory and per-call cost stay flat however long a benchmark runs."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.channels.telegram.local_api import ApiCall, LocalBotApi, StoredMessage

# LocalUser needs a chat's newest message with buttons, and the bot edits the pressed one.
MESSAGES_KEPT_PER_CHAT = 8
CALLS_KEPT = 64


@dataclass
class LeanBotApi(LocalBotApi):
    """A LocalBotApi keeping only the newest calls and each chat's newest messages, by chat."""

    calls: deque[ApiCall] = field(  # type: ignore[assignment]
        default_factory=lambda: deque(maxlen=CALLS_KEPT)
    )
    by_chat: dict[int, deque[StoredMessage]] = field(default_factory=dict)

    def sent_to(self, chat_id: int) -> list[StoredMessage]:
        """The messages kept for a chat, oldest first."""
        # LocalBotApi.sent_to sorts every message ever sent, on every call; this does not.
        return list(self.by_chat.get(chat_id, ()))

    def forget(self, chat_id: int) -> None:
        """Drops everything kept for a chat (a resident who is done)."""
        for message in self.by_chat.pop(chat_id, ()):
            self.messages.pop((message.chat_id, message.message_id), None)

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """Sends as LocalBotApi does, then keeps only the chat's newest messages."""
        return self._keep(super()._api_sendMessage(params))

    def _api_sendDocument(
        self,
        params: dict[str, Any],  # noqa: N802
        field_name: str = "document",
    ) -> dict[str, Any]:
        """Sends a document (or photo) as LocalBotApi does, then trims the chat."""
        return self._keep(super()._api_sendDocument(params, field_name=field_name))

    def _keep(self, result: dict[str, Any]) -> dict[str, Any]:
        """Indexes a sent message by chat and forgets the chat's oldest beyond the limit."""
        key = (int(result["chat"]["id"]), int(result["message_id"]))
        kept = self.by_chat.setdefault(key[0], deque())
        kept.append(self.messages[key])
        if len(kept) > MESSAGES_KEPT_PER_CHAT:
            oldest = kept.popleft()
            self.messages.pop((oldest.chat_id, oldest.message_id), None)
        return result
