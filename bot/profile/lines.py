"""Where each value of a TOML file is written: a path such as ("districts", 2, "name", "ja")
mapped to its line number, read from the text (tomllib gives no positions)."""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\-]+)\s*=(.*)$""")
_INLINE_KEY = re.compile(r"""[{,]\s*("[^"]*"|[A-Za-z0-9_\-]+)\s*=""")


def _parts(dotted: str) -> list[str]:
    """The parts of a dotted TOML key, quotes removed."""
    return [part.strip().strip("\"'") for part in dotted.split(".")]


class LineMap:
    """Line numbers (1-based) of tables, array-of-tables entries and keys of a TOML text."""

    def __init__(self, text: str) -> None:
        """Scans the text once."""
        self.lines: dict[Path, int] = {}
        arrays: dict[Path, int] = {}
        table: Path = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                table = self._table(header.group(1) == "[[", _parts(header.group(2)), arrays)
                self.lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                path = table + tuple(_parts(key.group(1)))
                self.lines.setdefault(path, number)
                value = key.group(2)
                if value.lstrip().startswith("{"):
                    for inner in _INLINE_KEY.finditer(value):
                        self.lines.setdefault(path + (inner.group(1).strip('"'),), number)

    @staticmethod
    def _table(is_array: bool, parts: list[str], arrays: dict[Path, int]) -> Path:
        """The concrete path of a table header, counting entries of arrays of tables."""
        path: Path = ()
        for part in parts[:-1]:
            path += (part,)
            if path in arrays:
                path += (arrays[path],)
        path += (parts[-1],)
        if is_array:
            arrays[path] = arrays.get(path, -1) + 1
            path += (arrays[path],)
        return path

    def line_of(self, path: Path) -> int | None:
        """The line of a path, else of its nearest written parent (a missing key's table)."""
        for end in range(len(path), 0, -1):
            if (found := self.lines.get(tuple(path[:end]))) is not None:
                return found
        return None
