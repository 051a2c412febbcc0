"""The base of every DTO: rows leave storage as validated pydantic objects, never ORM objects."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DTO(BaseModel):
    """Base for read-only copies of rows."""

    model_config = ConfigDict(from_attributes=True, frozen=True)
