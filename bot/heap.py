"""The heap after start-up: what start-up built is kept out of later garbage collections."""

from __future__ import annotations

import gc


def settle_start_up_heap() -> int:
    """Collects start-up's garbage, then puts every object start-up built (catalogues,
    dictionaries, the safety net, models, PTB and SQLAlchemy) out of reach of later full
    garbage collections; returns how many objects that was.

    A full collection examines every tracked object: with the 330,000 or so that start-up
    leaves, each took about 180 ms, a pause that fell on whatever update was being handled.
    Frozen objects are still freed when nothing refers to them; only a cycle among them would
    stay, and start-up's objects live as long as the process anyway.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
