"""What the checks ask the messenger, as plain data; bot/channels/telegram answers it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

# unauthorized: the token is wrong; not_found: no such chat, or the bot is not in it;
# unreachable: no answer (network, time-out); refused: any other error answer.
ProbeFailure = Literal["unauthorized", "not_found", "unreachable", "refused"]


class ProbeError(Exception):
    """The messenger did not give what was asked, and why."""

    def __init__(self, kind: ProbeFailure, detail: str) -> None:
        """Keeps the kind of failure and the messenger's own words."""
        super().__init__(detail)
        self.kind, self.detail = kind, detail


@dataclass(frozen=True)
class BotView:
    """The bot's own account."""

    id: int
    username: str


@dataclass(frozen=True)
class ChatView:
    """A chat as the bot sees it; `members_can_send` is the group's default permission."""

    title: str
    kind: str
    members_can_send: bool = True


@dataclass(frozen=True)
class MemberView:
    """One user's membership of a chat: status (creator, administrator, member, restricted,
    left, kicked), whether they are in it and whether they may send messages (None: the
    group's default applies)."""

    status: str
    is_member: bool
    can_send: bool | None = None


@dataclass(frozen=True)
class WebhookView:
    """What the messenger knows of the webhook."""

    url: str
    pending: int
    last_error: str | None = None


class TelegramProbe(Protocol):
    """Read-only questions to the Bot API; each raises ProbeError when there is no answer."""

    async def me(self) -> BotView:
        """The bot's account (getMe)."""
        ...

    async def chat(self, chat_id: int) -> ChatView:
        """A chat (getChat)."""
        ...

    async def member(self, chat_id: int, user_id: int) -> MemberView:
        """A user's membership of a chat (getChatMember)."""
        ...

    async def webhook(self) -> WebhookView:
        """The webhook's state (getWebhookInfo)."""
        ...
