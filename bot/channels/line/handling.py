"""Handles one stored LINE event: one transaction through the resident desk, then the answer
by reply token while it is fresh, else by push."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.line.api import MAX_MESSAGES_PER_CALL, LineApi, LineApiError
from bot.channels.line.events import Kind, desk_event, kind_of, user_of
from bot.channels.line.render import reply_messages
from bot.resident import desk as frontdesk
from bot.resident.desk import Who
from bot.screens import Reply
from bot.services import Services
from bot.tickets.deliveries import queue_card_refresh
from storage import inbox
from storage.db import forget_erased
from storage.line import line_language, resident_id_of_chat, set_line_follow
from storage.residents import set_resident_reachable
from storage.updates import record_update, update_recorded

log = logging.getLogger(__name__)

# LINE's reply tokens last about a minute; past this age the answer goes by push instead.
REPLY_TOKEN_SECONDS = 50


def is_line_payload(payload: dict[str, Any]) -> bool:
    """Whether an inbox row holds a LINE event (rather than a Telegram update)."""
    return "line" in payload


class LineEvents:
    """Runs stored LINE events through the resident desk for the inbox worker."""

    def __init__(self, services: Services, api: LineApi) -> None:
        self._services = services
        self._api = api

    async def process(self, payload: dict[str, Any]) -> None:
        """Handles one event once; raises (for the inbox worker to retry) when the work fails."""
        services = self._services
        update_id, chat, event = payload["update_id"], payload["chat"], payload["line"]
        kind = kind_of(event)
        language = None
        if event.get("type") == "follow" and (user := user_of(event)) is not None:
            language = await self._api.language_of(user)
        try:
            async with services.db.begin() as session:
                if not await record_update(session, update_id, services.clock()):
                    log.info("LINE event %s was already handled", update_id)
                    return
                await inbox.remove(session, update_id)
                reply = await self._work(session, kind, chat, event, language)
        except IntegrityError:
            async with services.db() as session:
                if not await update_recorded(session, update_id):
                    raise
            return
        services.outcomes.record_done(update_id)
        if reply is not None and reply.erased:
            await forget_erased(services.db)
        if reply is not None:
            await self.answer(event, chat, reply)

    async def _work(
        self,
        session: AsyncSession,
        kind: Kind,
        chat: int,
        event: dict[str, Any],
        language: str | None,
    ) -> Reply | None:
        """The event's effects inside its transaction; the Reply to send after commit."""
        services = self._services
        now = services.clock()
        if kind is Kind.IGNORED:
            return None
        if kind is Kind.UNFOLLOW:
            await set_line_follow(session, chat, False, now)
            resident_id = await resident_id_of_chat(session, chat)
            if resident_id is not None:
                for ticket_id in await set_resident_reachable(session, resident_id, False):
                    await queue_card_refresh(session, services, ticket_id)
            return None
        if event.get("type") == "follow":
            await set_line_follow(session, chat, True, now, language)
        who = Who(chat, chat, await line_language(session, chat))
        return await frontdesk.handle(session, services, who, desk_event(event))

    async def answer(self, event: dict[str, Any], chat: int, reply: Reply) -> None:
        """Sends a committed Reply: by reply token while fresh (free), the rest by push."""
        messages = reply_messages(reply)
        if not messages:
            return
        token = event.get("replyToken")
        if isinstance(token, str) and self._fresh(event):
            try:
                await self._api.reply(token, messages[:MAX_MESSAGES_PER_CALL])
                messages = messages[MAX_MESSAGES_PER_CALL:]
            except LineApiError as exc:
                log.info("reply token not accepted (%s); pushing instead", exc.status)
        if messages:
            await self._push(event, messages)

    async def _push(self, event: dict[str, Any], messages: list[dict[str, Any]]) -> None:
        """Pushes what the reply token could not carry, five messages a call."""
        user = user_of(event)
        if user is None:
            return
        for start in range(0, len(messages), MAX_MESSAGES_PER_CALL):
            try:
                await self._api.push(user, messages[start : start + MAX_MESSAGES_PER_CALL])
            except LineApiError as exc:
                log.warning("could not push an answer to a LINE user (%s)", exc.status)
                return

    def _fresh(self, event: dict[str, Any]) -> bool:
        """Whether the event's reply token is still young enough to use."""
        stamp = event.get("timestamp")
        if not isinstance(stamp, int):
            return False
        sent = datetime.fromtimestamp(stamp / 1000, UTC)
        return self._services.clock() - sent < timedelta(seconds=REPLY_TOKEN_SECONDS)
