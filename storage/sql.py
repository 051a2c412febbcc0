"""SQL the two databases spell differently, behind one function each."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_or_ignore(session: AsyncSession, model: Any, key: str):
    """An INSERT that does nothing for a row whose `key` is already taken (both databases)."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing(index_elements=[key])


def insert_or_ignore_by_dialect(model: Any, key: str, **values: Any) -> dict[str, Any]:
    """insert_or_ignore with these values, built once for each database (by dialect name)."""
    return {
        name: dialect.insert(model).on_conflict_do_nothing(index_elements=[key]).values(**values)
        for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
    }
