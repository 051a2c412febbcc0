"""The query both work queues (inbox and outbox) share: the due head of each chat's queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import aliased


def due_heads_query(
    model: Any,
    position: str,
    waiting: Callable[[Any], ColumnElement[bool]],
    now: datetime,
    limit: int,
) -> Select:
    """For each chat, its oldest waiting row (by `position`) if that row is due now.

    Only the head is returned, so a row never overtakes an earlier one of the same chat, and a
    long queue for one chat never hides the others.
    """
    earlier = aliased(model)
    return (
        select(model)
        .where(
            waiting(model),
            model.not_before <= now,
            ~exists().where(
                earlier.chat_id == model.chat_id,
                waiting(earlier),
                getattr(earlier, position) < getattr(model, position),
            ),
        )
        .order_by(getattr(model, position))
        .limit(limit)
    )
