"""The outbox relay: sends due rows in order per chat through a channel's sender, with pacing and retries."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import Metrics
from storage import inbox
from storage.outbox import OutboxDTO, claim_outbox_message, finish_outbox_message, outbox_heads

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 1800
# While Telegram cannot be reached the relay pauses, doubling up to this, then tries again.
MAX_PAUSE_SECONDS = 30.0
# Only the worker holding this lease relays; it renews it on every run.
RELAY_LEASE_NAME = "outbox-relay"
RELAY_LEASE = timedelta(seconds=15)


def backoff_seconds(attempts: int) -> int:
    """Returns how long to wait before trying again after a number of failed attempts."""
    return min(2 ** max(attempts, 1), MAX_BACKOFF_SECONDS)


@dataclass(frozen=True)
class Prepared:
    """What to do with an outbox row right now: send a message, or edit one."""

    text: str
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_message_id: int | None = None
    force_reply: bool = False
    photo: bytes | None = None
    # Delete this message of ours instead of sending anything.
    delete_message_id: int | None = None


class SendError(Exception):
    """A message the channel did not take; `reason` says why, without the message's text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(SendError):
    """The channel asked us to wait before sending to this chat again (not a failed attempt)."""

    def __init__(self, reason: str, seconds: float) -> None:
        super().__init__(reason)
        self.seconds = seconds


class Unreachable(SendError):
    """The channel did not answer (network, server error): the whole relay pauses."""


class RecipientGone(SendError):
    """The recipient blocked us or left: never retried, the resident is unreachable."""


class Rejected(SendError):
    """The channel refused this message for good (bad request)."""

    def __init__(self, reason: str, not_modified: bool = False) -> None:
        super().__init__(reason)
        self.not_modified = not_modified


class Sender(Protocol):
    """A channel's way of sending or editing one prepared message."""

    async def send(self, chat_id: int, prepared: Prepared) -> int:
        """Sends or edits the message and returns its message id; raises a SendError."""
        ...


class DeliveryHooks(Protocol):
    """What the domain does around a delivery: render at send time, react to the outcome."""

    async def prepare(self, session: AsyncSession, message: OutboxDTO) -> Prepared | None:
        """Returns what to send, or None when there is nothing to send any more."""
        ...

    async def delivered(
        self, session: AsyncSession, message: OutboxDTO, telegram_message_id: int | None
    ) -> None:
        """Reacts to a delivered message."""
        ...

    async def failed(
        self, session: AsyncSession, message: OutboxDTO, error: str, forbidden: bool
    ) -> None:
        """Reacts to a message that will not be delivered."""
        ...


class PlainHooks:
    """Sends each row as it was written and does nothing after."""

    async def prepare(self, session: AsyncSession, message: OutboxDTO) -> Prepared | None:
        """Sends the row's own text and buttons."""
        return Prepared(message.text, message.reply_markup)

    async def delivered(
        self, session: AsyncSession, message: OutboxDTO, telegram_message_id: int | None
    ) -> None:
        """Nothing to do."""

    async def failed(
        self, session: AsyncSession, message: OutboxDTO, error: str, forbidden: bool
    ) -> None:
        """Nothing to do."""


@dataclass(frozen=True)
class RelayLimits:
    """How the relay paces itself and when it gives a message up."""

    max_attempts: int = 40
    # Telegram asks for about one message a second per chat and twenty a minute per group
    # (0: no pause, for tests). Pacing here keeps the rate limiter from ever blocking a send.
    chat_interval_seconds: float = 0.0
    group_interval_seconds: float = 0.0
    # Messages Telegram could not be reached for are kept this long before they count as failed.
    give_up_after: timedelta = timedelta(hours=48)
    # Heads of different chats sent at the same time (each chat still gets one at a time).
    concurrency: int = 8
    batch_size: int = 50
    max_per_run: int = 500
    max_run_seconds: float = 5.0


class OutboxRelay:
    """Delivers due outbox messages in order per chat, retrying what Telegram did not take.

    Only the worker holding the relay lease sends, so Telegram's limits hold for the whole
    deployment; each message is also claimed before it is sent, so none goes out twice.
    """

    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        limits: RelayLimits | None = None,
        hooks: DeliveryHooks | None = None,
        *,
        worker_id: str = "relay",
        metrics: Metrics | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._limits = limits or RelayLimits()
        self._hooks: DeliveryHooks = hooks or PlainHooks()
        self._sender: Sender | None = None
        self._worker_id = worker_id
        self._metrics = metrics or Metrics()
        self._lock = asyncio.Lock()
        # When each chat may get its next message (monotonic seconds).
        self._chat_ready_at: dict[int, float] = {}
        # Set while Telegram cannot be reached: nothing is sent before then.
        self._paused_until: datetime | None = None
        self._pause_seconds = 0.0
        self._stopping = False

    @property
    def busy(self) -> bool:
        """Whether a run is delivering right now (it will also pick up newer messages)."""
        return self._lock.locked()

    def stop(self) -> None:
        """Ends the current run after the sends in flight, and refuses new runs (shutdown)."""
        self._stopping = True

    def use_hooks(self, hooks: DeliveryHooks) -> None:
        """Sets the domain's delivery hooks (wired once, when the application is built)."""
        self._hooks = hooks

    def use_sender(self, sender: Sender) -> None:
        """Sets the channel's sender (wired once, when the application is built)."""
        self._sender = sender

    async def take_over(self) -> None:
        """Takes the relay lease whoever held it (a single worker starting after a crash)."""
        async with self._db.begin() as session:
            await inbox.drop_lease(session, RELAY_LEASE_NAME, None)

    async def close(self) -> None:
        """Gives the relay lease up so another worker can send at once."""
        async with self._db.begin() as session:
            await inbox.drop_lease(session, RELAY_LEASE_NAME, self._worker_id)

    async def deliver_due(self) -> int:
        """Sends every message that is due now and returns how many were delivered."""
        async with self._lock:
            if self._stopping or self._sender is None:
                return 0
            if self._paused_until is not None and self._clock() < self._paused_until:
                return 0
            if not await self._hold_lease():
                return 0
            return await self._deliver_rounds(self._sender)

    async def _hold_lease(self) -> bool:
        """Takes or renews the relay lease; False while another worker relays."""
        now = self._clock()
        async with self._db.begin() as session:
            return await inbox.hold_lease(
                session, RELAY_LEASE_NAME, self._worker_id, now, now + RELAY_LEASE
            )

    async def _deliver_rounds(self, sender: Sender) -> int:
        """Round by round, sends the head of every chat's queue: chats take turns."""
        limits = self._limits
        delivered = 0
        failed_chats: set[int] = set()
        deadline = time.monotonic() + limits.max_run_seconds
        gate = asyncio.Semaphore(limits.concurrency)

        async def one(message: OutboxDTO) -> bool:
            async with gate:
                return await self._deliver(sender, message)

        while delivered < limits.max_per_run and time.monotonic() < deadline and not self._stopping:
            waiting = self._waiting_chats()
            async with self._db() as session:
                heads = await outbox_heads(
                    session, self._clock(), limits.batch_size, failed_chats | set(waiting)
                )
            if not heads:
                if not waiting or not await self._has_due(failed_chats):
                    break
                await asyncio.sleep(
                    max(0.0, min(min(waiting.values()), deadline) - time.monotonic())
                )
                continue
            results = await asyncio.gather(*(one(message) for message in heads))
            for message, sent in zip(heads, results, strict=False):
                if sent:
                    delivered += 1
                else:
                    failed_chats.add(message.chat_id)
            if self._paused_until is not None:
                break
        return delivered

    def _waiting_chats(self) -> dict[int, float]:
        """Chats that got a message less than the chat interval ago, with when they are ready."""
        now = time.monotonic()
        for chat in [c for c, ready in self._chat_ready_at.items() if ready <= now]:
            del self._chat_ready_at[chat]
        return dict(self._chat_ready_at)

    async def _has_due(self, skip_chats: set[int]) -> bool:
        """Whether any message is due apart from those of the skipped chats."""
        async with self._db() as session:
            return bool(await outbox_heads(session, self._clock(), 1, skip_chats))

    async def _deliver(self, sender: Sender, message: OutboxDTO) -> bool:
        """Claims, sends and records one message; returns whether it was delivered."""
        now = self._clock()
        async with self._db.begin() as session:
            if not await claim_outbox_message(session, message.id, now, now + LEASE):
                return False
        async with self._db() as session:
            prepared = await self._hooks.prepare(session, message)
        if prepared is None:
            await self._finish(message, "sent", telegram_message_id=None)
            return True
        attempts = message.attempts + 1
        started = time.monotonic()
        interval = (
            self._limits.group_interval_seconds
            if message.chat_id < 0
            else self._limits.chat_interval_seconds
        )
        if interval:
            self._chat_ready_at[message.chat_id] = started + interval
        try:
            sent_id = await sender.send(message.chat_id, prepared)
        except RetryLater as exc:
            self._metrics.outbox_failures.labels("retry_after").inc()
            # The channel asked us to slow down for this chat: that is not a failed attempt.
            await self._finish(
                message,
                "pending",
                error=exc.reason,
                attempts=message.attempts,
                retry_at=self._clock() + timedelta(seconds=exc.seconds),
            )
            return False
        except RecipientGone as exc:
            self._metrics.outbox_failures.labels("forbidden").inc()
            await self._give_up(message, exc.reason, forbidden=True)
            return False
        except Rejected as exc:
            if prepared.edit_message_id and exc.not_modified:
                await self._finish(message, "sent", telegram_message_id=prepared.edit_message_id)
                return True
            self._metrics.outbox_failures.labels("bad_request").inc()
            await self._give_up(message, exc.reason, forbidden=False)
            return False
        except Unreachable as exc:
            self._metrics.outbox_failures.labels("unreachable").inc()
            await self._unreachable(message, exc.reason)
            return False
        except SendError as exc:
            self._metrics.outbox_failures.labels("error").inc()
            await self._retry(message, attempts, exc.reason, backoff_seconds(attempts))
            return False
        self._metrics.send_seconds.observe(time.monotonic() - started)
        self._metrics.outbox_sent.inc()
        self._pause_seconds = 0.0
        self._paused_until = None
        await self._finish(message, "sent", telegram_message_id=sent_id)
        return True

    async def _unreachable(self, message: OutboxDTO, error: str) -> None:
        """Telegram did not answer (network, 5xx): pause all sending, keep the message as it was."""
        self._pause_seconds = min(max(self._pause_seconds * 2, 1.0), MAX_PAUSE_SECONDS)
        self._paused_until = self._clock() + timedelta(seconds=self._pause_seconds)
        if self._clock() - message.created_at > self._limits.give_up_after:
            log.error(
                "outbox message %s could not reach Telegram for %s; giving up",
                message.id,
                self._limits.give_up_after,
            )
            await self._give_up(message, error, forbidden=False)
            return
        log.warning(
            "Telegram unreachable (%s); pausing the relay for %.0fs",
            error.split(":")[0],
            self._pause_seconds,
        )
        await self._finish(
            message, "pending", error=error, attempts=message.attempts, retry_at=self._paused_until
        )

    async def _retry(self, message: OutboxDTO, attempts: int, error: str, seconds: float) -> None:
        """Schedules another attempt, or gives up after the last allowed one."""
        if attempts >= self._limits.max_attempts:
            log.error("outbox message %s failed after %s attempts: %s", message.id, attempts, error)
            await self._give_up(message, error, forbidden=False)
            return
        log.warning(
            "outbox message %s not delivered (%s); retrying in %.0fs", message.id, error, seconds
        )
        await self._finish(
            message, "pending", error=error, retry_at=self._clock() + timedelta(seconds=seconds)
        )

    async def _give_up(self, message: OutboxDTO, error: str, forbidden: bool) -> None:
        """Marks a message failed for good and lets the domain react, in one transaction."""
        async with self._db.begin() as session:
            await finish_outbox_message(session, message.id, "failed", self._clock(), error=error)
            await self._hooks.failed(session, message, error, forbidden)

    async def _finish(
        self,
        message: OutboxDTO,
        status: str,
        *,
        telegram_message_id: int | None = None,
        error: str | None = None,
        retry_at: datetime | None = None,
        attempts: int | None = None,
    ) -> None:
        """Records the result of an attempt, and lets the domain react to a delivery."""
        async with self._db.begin() as session:
            await finish_outbox_message(
                session,
                message.id,
                status,
                self._clock(),
                telegram_message_id=telegram_message_id,
                error=error,
                retry_at=retry_at,
                attempts=attempts,
            )
            if status == "sent":
                await self._hooks.delivered(session, message, telegram_message_id)
