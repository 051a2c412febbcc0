"""How the handlers of an update ended, told to the inbox worker that ran them: failed (by the
error handler) or committed together with the update's removal from the inbox (by run_once).
An update handled as it was fetched, never stored, has no inbox row to remove."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Outcome:
    """What became of one update's handling."""

    committed: bool = False
    error: BaseException | None = None
    # False for an update handled as it was fetched, without an inbox row.
    stored: bool = True


class HandlerOutcomes:
    """Outcomes of the updates the inbox worker is handling right now, by update id.

    Only watched updates are tracked, so updates handled some other way (the local chat, tests)
    leave nothing behind.
    """

    def __init__(self) -> None:
        self._watched: dict[int, Outcome] = {}

    def watch(self, update_id: int, *, stored: bool = True) -> None:
        """Starts tracking an update about to be handled (stored: it has an inbox row)."""
        self._watched[update_id] = Outcome(stored=stored)

    def in_inbox(self, update_id: int) -> bool:
        """Whether an update may have an inbox row to remove (unwatched ones may)."""
        outcome = self._watched.get(update_id)
        return outcome is None or outcome.stored

    def record_done(self, update_id: int) -> None:
        """Notes that an update's transaction committed and took it out of the inbox."""
        if (outcome := self._watched.get(update_id)) is not None:
            outcome.committed = True

    def record_failure(self, update_id: int, error: BaseException) -> None:
        """Notes that handling an update raised `error` (the first error counts)."""
        if (outcome := self._watched.get(update_id)) is not None and outcome.error is None:
            outcome.error = error

    def take(self, update_id: int) -> Outcome:
        """Stops tracking an update and returns how its handling ended."""
        return self._watched.pop(update_id, Outcome())
