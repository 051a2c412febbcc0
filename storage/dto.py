"""The base of every DTO: rows leave storage as validated pydantic objects, never ORM objects."""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict


class DTO(BaseModel):
    """Base for read-only copies of rows."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


class Keep(Enum):
    """The value of a field a change leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


def changed_fields(change: object) -> dict[str, Any]:
    """The fields of a change dataclass that are set (not KEEP), by name."""
    return {
        field.name: getattr(change, field.name)
        for field in fields(change)  # type: ignore[arg-type]
        if getattr(change, field.name) is not KEEP
    }
