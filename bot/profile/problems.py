"""An office profile's problems, each with its line: TOML syntax, the schema (pydantic errors in
plain words), unknown keys, values still marked as examples and crisis lines not verified."""

from __future__ import annotations

import re
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Literal

from pydantic import BaseModel, ValidationError

from bot.doctor.model import Said
from bot.i18n import N_
from bot.profile.lines import LineMap, Path
from bot.settings import OfficeProfile

# How the example profile marks a placeholder, in each of its languages, and the placeholder
# digits, names and addresses it uses.
EXAMPLE_MARKS = re.compile(
    r"（例）|\(example\)|（れい）|（示例）|\(예시\)|\(ví dụ\)|（要確認）|\(verify\)|（たしかめて"
    r"|（待确认）|\(확인 필요\)|\(cần xác minh\)|〇〇|000-0000|\bexample\.(?:org|com|net)\b"
)

# Plain words for pydantic's error types; anything else is shown with pydantic's own words.
PLAIN = {
    "missing": N_("{field} is missing."),
    "string_type": N_("{field} must be text in quotes."),
    "int_type": N_("{field} must be a whole number."),
    "int_parsing": N_("{field} must be a whole number."),
    "int_from_float": N_("{field} must be a whole number."),
    "bool_type": N_("{field} must be true or false."),
    "bool_parsing": N_("{field} must be true or false."),
    "time_type": N_("{field} must be a time written as 09:00:00 (without quotes)."),
    "time_parsing": N_("{field} must be a time written as 09:00:00 (without quotes)."),
    "list_type": N_("{field} must be a list in square brackets [ ]."),
    "dict_type": N_("{field} must be a table: a [section] or {{ key = value }}."),
    "model_type": N_("{field} must be a table: a [section] or {{ key = value }}."),
    "model_attributes_type": N_("{field} must be a table: a [section] or {{ key = value }}."),
    "literal_error": N_("{field} must be one of: {expected}."),
    "string_pattern_mismatch": N_("{field} has characters that are not allowed here."),
}


@dataclass(frozen=True)
class Problem:
    """One finding: an error stops the profile from loading; a warning must be fixed before
    going live (an example value, an unverified crisis line)."""

    line: int | None
    severity: Literal["error", "warning"]
    said: Said
    # "example" (a placeholder left) or "unverified" (a crisis line) for warnings.
    kind: str = ""


def field_name(path: Path) -> str:
    """A path as the operator reads it in the file: crisis_lines[2].name.ja (counted from 1)."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top)"


def check_text(text: str) -> list[Problem]:
    """Every problem of a profile given as TOML text, in the order of the file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        said = Said(N_("The file is not valid TOML."), detail=str(error))
        return [Problem(int(found.group(1)) if found else None, "error", said)]
    lines = LineMap(text)
    problems = [*_schema_problems(data, lines), *_unknown_keys(data, OfficeProfile, (), lines)]
    problems += _examples(data, lines)
    problems += _unverified(data, lines)
    return sorted(problems, key=lambda p: (p.line or 0, p.severity))


def check_file(path: FilePath) -> list[Problem]:
    """Every problem of a profile file (one error when it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [Problem(None, "error", Said(N_("The file cannot be read."), detail=str(error)))]
    return check_text(text)


def _schema_problems(data: dict, lines: LineMap) -> list[Problem]:
    """pydantic's validation errors in plain words, at their lines."""
    try:
        OfficeProfile.model_validate(data)
    except ValidationError as errors:
        found, seen = [], set()
        for error in errors.errors():
            path = _written_path(data, error["loc"], error["type"] == "missing")
            if path in seen:  # a union's other members: the first error says enough
                continue
            seen.add(path)
            params = {"field": field_name(path), **(error.get("ctx") or {})}
            msgid = PLAIN.get(error["type"])
            said = (
                Said(msgid, params)
                if msgid
                else Said(N_("{field}: {problem}"), {**params, "problem": error["msg"]})
            )
            found.append(Problem(lines.line_of(path), "error", said))
        return found
    return []


def _written_path(data: object, loc: tuple, missing: bool) -> Path:
    """The error's location as keys of the file, without pydantic's union member tags."""
    path: Path = ()
    for index, part in enumerate(loc):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        elif missing and index == len(loc) - 1:
            pass
        else:
            continue
        path += (part,)
    return path


def _model_of(annotation: object) -> tuple[type[BaseModel] | None, bool]:
    """The model inside an annotation (X, X | None, list[X]) and whether it is a list."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            model, many = _model_of(arg)
            if model is not None:
                return model, many
        return None, False
    if origin is list:
        model, _ = _model_of(typing.get_args(annotation)[0])
        return model, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def _unknown_keys(
    data: object, model: type[BaseModel], path: Path, lines: LineMap
) -> list[Problem]:
    """Keys the schema does not know (a misspelt key is otherwise silently ignored)."""
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        field = model.model_fields.get(key)
        if field is None:
            said = Said(
                N_("Unknown key {field}: the bot ignores it. Check its spelling."),
                {"field": field_name((*path, key))},
            )
            found.append(Problem(lines.line_of((*path, key)), "error", said))
            continue
        inner, many = _model_of(field.annotation)
        if inner is None:
            continue
        items = enumerate(value) if many and isinstance(value, list) else [(None, value)]
        for index, item in items:
            where = (*path, key) if index is None else (*path, key, index)
            found += _unknown_keys(item, inner, where, lines)
    return found


def _strings(data: object, path: Path = ()) -> typing.Iterator[tuple[Path, str]]:
    """Every string value of the data with its path."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))
    elif isinstance(data, str):
        yield path, data


def _examples(data: dict, lines: LineMap) -> list[Problem]:
    """The `example = true` flag and every value still marked as an example or placeholder."""
    found = []
    if data.get("example") is True:
        said = Said(N_("example = true: residents are told these details are not confirmed."))
        found.append(Problem(lines.line_of(("example",)), "warning", said, "example"))
    for path, value in _strings(data):
        if (mark := EXAMPLE_MARKS.search(value)) is not None:
            said = Said(
                N_("{field} is still an example value (“{mark}”)."),
                {"field": field_name(path), "mark": mark.group(0)},
            )
            found.append(Problem(lines.line_of(path), "warning", said, "example"))
    return found


def _unverified(data: dict, lines: LineMap) -> list[Problem]:
    """Crisis lines without `verified = true`."""
    found = []
    for index, line in enumerate(data.get("crisis_lines") or []):
        if isinstance(line, dict) and line.get("verified") is not True:
            said = Said(
                N_("The crisis line {number} is not marked verified = true."),
                {"number": line.get("number", "?")},
            )
            found.append(
                Problem(
                    lines.line_of(("crisis_lines", index, "verified")),
                    "warning",
                    said,
                    "unverified",
                )
            )
    return found


def unverified_numbers(profile: OfficeProfile) -> list[str]:
    """The numbers of the crisis lines an operator has not yet marked verified."""
    return [line.number for line in profile.crisis_lines if not line.verified]
