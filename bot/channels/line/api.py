"""LINE's Messaging API through the official SDK: reply, push and the user's profile."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.settings import Settings

log = logging.getLogger(__name__)

# LINE takes at most five messages per reply or push call.
MAX_MESSAGES_PER_CALL = 5
# Seconds a call may take (the SDK's default is five minutes, which would stall the worker).
CALL_TIMEOUT = 10


class LineApiError(Exception):
    """LINE refused a call or could not be reached; `status` is 0 without an HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message

    @property
    def quota_exceeded(self) -> bool:
        """Whether LINE refused because the month's message quota is used up."""
        return self.status == 429 and "monthly limit" in self.message.lower()


def _api_error(exc: ApiException) -> LineApiError:
    """The status and LINE's own message of an API error (never the request's content)."""
    message = ""
    try:
        message = str(json.loads(exc.body or b"{}").get("message", ""))
    except (ValueError, AttributeError):
        message = str(exc.reason or "")
    return LineApiError(int(exc.status or 0), message[:200])


class LineApi:
    """One LINE channel's client, opened on first use inside the event loop and closed once."""

    def __init__(self, settings: Settings) -> None:
        assert settings.line_channel_access_token is not None
        self._config = Configuration(
            host=settings.line_api_url.rstrip("/"),
            access_token=settings.line_channel_access_token.get_secret_value(),
        )
        self._client: AsyncApiClient | None = None
        self._api: AsyncMessagingApi | None = None

    def _messaging(self) -> AsyncMessagingApi:
        """The SDK's messaging API (its HTTP session needs a running loop, so it starts here)."""
        if self._api is None:
            self._client = AsyncApiClient(self._config)
            self._api = AsyncMessagingApi(self._client)
        return self._api

    async def close(self) -> None:
        """Closes the HTTP session, if one was opened."""
        if self._client is not None:
            await self._client.close()
            self._client = self._api = None

    async def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> None:
        """Answers an event with its reply token (free; single use; up to five messages)."""
        request = ReplyMessageRequest.from_dict({"replyToken": reply_token, "messages": messages})
        await self._call(self._messaging().reply_message(request, _request_timeout=CALL_TIMEOUT))

    async def push(
        self, user_id: str, messages: list[dict[str, Any]], retry_key: str | None = None
    ) -> int:
        """Pushes up to five messages to a user; returns the last one's message id (0 if none)."""
        request = PushMessageRequest.from_dict({"to": user_id, "messages": messages})
        try:
            response = await self._call(
                self._messaging().push_message(
                    request, x_line_retry_key=retry_key, _request_timeout=CALL_TIMEOUT
                )
            )
        except LineApiError as exc:
            if exc.status == 409 and retry_key is not None:
                return 0  # LINE took this push before (same retry key): it was delivered
            raise
        sent = getattr(response, "sent_messages", None) or []
        last = sent[-1].id if sent else "0"
        return int(last) if str(last).isdecimal() and int(last) < 2**63 else 0

    async def language_of(self, user_id: str) -> str | None:
        """The language of a user's LINE app, when LINE tells it (None on any failure)."""
        try:
            profile = await self._call(
                self._messaging().get_profile(user_id, _request_timeout=CALL_TIMEOUT)
            )
        except LineApiError as exc:
            log.info("no LINE profile (%s)", exc.status)
            return None
        return profile.language

    @staticmethod
    async def _call(call: Any) -> Any:
        """Awaits an SDK call and names its failure."""
        try:
            return await call
        except ApiException as exc:
            raise _api_error(exc) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise LineApiError(0, type(exc).__name__) from None
