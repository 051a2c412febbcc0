"""The doctor's read-only questions to the Bot API (getMe, getChat, getChatMember,
getWebhookInfo), answered as plain data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot, ChatMemberRestricted
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.doctor.probe import BotView, ChatView, MemberView, ProbeError, WebhookView
from bot.settings import Settings

IN_CHAT = frozenset({"creator", "administrator", "member"})


class BotApiProbe:
    """Answers the doctor's questions with a Bot instance (see bot.doctor.probe.TelegramProbe)."""

    def __init__(self, bot: Bot) -> None:
        """Uses an unstarted Bot; its request object is opened and closed by the caller."""
        self._bot = bot

    async def me(self) -> BotView:
        """The bot's account (getMe)."""
        user = await _asked(self._bot.get_me())
        return BotView(user.id, user.username or "")

    async def chat(self, chat_id: int) -> ChatView:
        """A chat (getChat)."""
        chat = await _asked(self._bot.get_chat(chat_id))
        permissions = chat.permissions
        can_send = permissions.can_send_messages if permissions is not None else None
        return ChatView(chat.title or "", chat.type, can_send is not False)

    async def member(self, chat_id: int, user_id: int) -> MemberView:
        """A user's membership of a chat (getChatMember)."""
        member = await _asked(self._bot.get_chat_member(chat_id, user_id))
        if isinstance(member, ChatMemberRestricted):
            return MemberView(member.status, member.is_member, member.can_send_messages)
        return MemberView(member.status, member.status in IN_CHAT)

    async def webhook(self) -> WebhookView:
        """The webhook's state (getWebhookInfo)."""
        info = await _asked(self._bot.get_webhook_info())
        return WebhookView(info.url or "", info.pending_update_count, info.last_error_message)


async def _asked(call):
    """The answer of a Bot API call, or ProbeError saying what kind of failure it was."""
    try:
        return await call
    except InvalidToken as exc:
        raise ProbeError("unauthorized", exc.message) from exc
    except (BadRequest, Forbidden) as exc:
        # 400 "chat not found" / "member not found", 403 "bot was kicked" or "not a member".
        raise ProbeError("not_found", exc.message) from exc
    except NetworkError as exc:
        raise ProbeError("unreachable", exc.message) from exc
    except TelegramError as exc:
        raise ProbeError("refused", exc.message) from exc
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        # An answer that is not what the Bot API documents (a proxy, a stub server).
        raise ProbeError("refused", f"unexpected answer: {exc}") from exc


@asynccontextmanager
async def telegram_probe(settings: Settings) -> AsyncIterator[BotApiProbe]:
    """A probe for the configured token and Bot API server, with short time-outs."""
    assert settings.bot_token is not None, "check the token is set first"
    request = HTTPXRequest(connect_timeout=5.0, read_timeout=10.0)
    kwargs = {"base_url": settings.bot_api_url} if settings.bot_api_url else {}
    bot = Bot(settings.bot_token.get_secret_value(), request=request, **kwargs)
    await request.initialize()
    try:
        yield BotApiProbe(bot)
    finally:
        await request.shutdown()
