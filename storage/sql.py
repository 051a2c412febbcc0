"""SQL the two databases spell differently, behind one function each."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

# The dialect module whose INSERT knows ON CONFLICT, by SQLAlchemy's dialect name.
_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


def _ignoring_insert(dialect_name: str, model: Any, key: str):
    """One database's INSERT that does nothing for a row whose `key` is already taken."""
    return _DIALECTS[dialect_name].insert(model).on_conflict_do_nothing(index_elements=[key])


def insert_or_ignore(session: AsyncSession, model: Any, key: str):
    """An INSERT that does nothing for a row whose `key` is already taken (both databases)."""
    return _ignoring_insert(session.bind.dialect.name, model, key)


def insert_or_ignore_by_dialect(model: Any, key: str, **values: Any) -> dict[str, Any]:
    """insert_or_ignore with these values, built once for each database (by dialect name)."""
    return {name: _ignoring_insert(name, model, key).values(**values) for name in _DIALECTS}
