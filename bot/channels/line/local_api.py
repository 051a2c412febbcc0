"""A stand-in for LINE's Messaging API inside the process, for the local console."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LocalLineApi:
    """Takes replies and pushes as LINE would and keeps them in order; no network, no limits."""

    language: str | None = "ja"
    # (user id, message) in the order LINE would show them.
    shown: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _tokens: dict[str, str] = field(default_factory=dict)

    def token_for(self, user_id: str) -> str:
        """A reply token for a new event of this user."""
        token = f"local-{next(self._ids)}"
        self._tokens[token] = user_id
        return token

    async def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> None:
        """Shows messages to the user the reply token belongs to (once)."""
        user = self._tokens.pop(reply_token)
        self.shown += [(user, message) for message in messages]

    async def push(
        self, user_id: str, messages: list[dict[str, Any]], retry_key: str | None = None
    ) -> int:
        """Shows messages to a user."""
        self.shown += [(user_id, message) for message in messages]
        return next(self._ids)

    async def language_of(self, user_id: str) -> str | None:
        """The language of the local user's pretend LINE app."""
        return self.language

    async def close(self) -> None:
        """Nothing to close."""
