"""What start-up built is kept out of later full garbage collections (bot/heap.py)."""

from __future__ import annotations

import gc

from bot.heap import settle_start_up_heap


class Node:
    """An object in a reference cycle, as much of start-up's data is."""

    def __init__(self) -> None:
        self.itself = self


def test_start_up_objects_are_no_longer_examined_by_full_collections() -> None:
    kept = Node()
    try:
        frozen = settle_start_up_heap()
        assert frozen == gc.get_freeze_count() > 0
        # A full collection looks only at the generations; frozen objects are in none.
        assert not any(tracked is kept for tracked in gc.get_objects())
        later = Node()
        assert any(tracked is later for tracked in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(tracked is kept for tracked in gc.get_objects())
