"""The query both work queues (inbox and outbox) share: the due head of each chat's queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import aliased


def comes_before(earlier: Any, row: Any, order: tuple[str, ...]) -> ColumnElement[bool]:
    """Whether `earlier` sorts before `row` by the columns of `order`, compared in turn."""
    first, *rest = order
    before = getattr(earlier, first) < getattr(row, first)
    if not rest:
        return before
    same = getattr(earlier, first) == getattr(row, first)
    return or_(before, and_(same, comes_before(earlier, row, tuple(rest))))


def due_heads_query(
    model: Any,
    order: tuple[str, ...],
    waiting: Callable[[Any], ColumnElement[bool]],
    now: datetime | BindParameter[Any],
    limit: int | BindParameter[Any],
) -> Select:
    """For each chat, its first waiting row (by the columns of `order`) if that row is due now.

    Only the head is returned, so a row never overtakes an earlier one of the same chat, and a
    long queue for one chat never hides the others. `now` and `limit` may be bind parameters,
    so that a hot path builds the statement once and only passes values.
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
                comes_before(earlier, model, order),
            ),
        )
        .order_by(*(getattr(model, column) for column in order))
        .limit(limit)
    )
