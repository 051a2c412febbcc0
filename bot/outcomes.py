"""Which updates' handlers failed, told by the error handler to the inbox worker that ran them."""

from __future__ import annotations


class HandlerOutcomes:
    """Failures of the updates this worker is handling right now, by update id."""

    def __init__(self) -> None:
        self._failures: dict[int, BaseException] = {}

    def record_failure(self, update_id: int, error: BaseException) -> None:
        """Remembers that handling an update raised `error` (the first error counts)."""
        self._failures.setdefault(update_id, error)

    def take(self, update_id: int) -> BaseException | None:
        """Returns and forgets the failure of an update, None if it had none."""
        return self._failures.pop(update_id, None)
