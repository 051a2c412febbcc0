"""The house rules: which folder may import what, and no import cycles (read from the code)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")
# Alembic's own command line reads the database URL from the settings when none is given.
ALLOWED = {("storage/migrations/env.py", "bot.settings")}


def module_name(path: Path) -> str:
    """The dotted module name of a file of the project."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: frozenset[str] = frozenset()) -> set[str]:
    """Every module a file imports, at the top or inside a function (relative ones resolved).

    `from package import name` counts as importing package.name when that is a module.
    """
    found: set[str] = set()
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else base)
    return found


def project_files() -> dict[str, Path]:
    """Every module of the application (not tests or benchmarks), by dotted name."""
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def graph() -> dict[str, set[str]]:
    """Which project modules each project module imports."""
    files = project_files()
    modules = frozenset(files)
    return {
        name: {target for target in imports_of(path, modules) if target in files and target != name}
        for name, path in files.items()
    }


def violations(rule: str, importer: str, forbidden: tuple[str, ...]) -> list[str]:
    """Imports by modules under `importer` of anything under `forbidden`."""
    found = []
    files = project_files()
    for name, path in files.items():
        if not (name == importer or name.startswith(importer + ".")):
            continue
        relative = path.relative_to(ROOT).as_posix()
        for target in sorted(imports_of(path, frozenset(files))):
            hit = any(target == f or target.startswith(f + ".") for f in forbidden)
            if hit and (relative, target) not in ALLOWED:
                found.append(f"{relative} imports {target} ({rule})")
    return found


def test_only_the_edges_import_a_messenger_library() -> None:
    """`telegram` (and LINE's SDK) only in bot/channels/ and handlers/."""
    problems = []
    for name, path in project_files().items():
        if name.startswith(("bot.channels", "handlers")):
            continue
        problems += [
            f"{path.relative_to(ROOT)} imports {target}"
            for target in imports_of(path)
            if target.split(".")[0] in ("telegram", "linebot")
        ]
    assert problems == []


def test_storage_imports_nothing_from_bot_or_handlers() -> None:
    """Storage knows SQL, never the desks or the messengers."""
    assert violations("storage is the bottom", "storage", ("bot", "handlers", "telegram")) == []


def test_the_forms_engine_knows_neither_messengers_nor_sql() -> None:
    """bot/forms imports only itself and the shared core."""
    forbidden = (
        "telegram",
        "linebot",
        "sqlalchemy",
        "storage",
        "handlers",
        "bot.channels",
        "bot.resident",
        "bot.staff",
        "bot.outbox",
        "bot.tickets",
        "bot.numbers",
    )
    assert violations("forms are data", "bot.forms", forbidden) == []


def test_the_domain_never_reaches_for_an_edge() -> None:
    """Desks, tickets, numbers, outbox and safety never import the edges or the handlers."""
    problems = []
    for part in (
        "bot.resident",
        "bot.staff",
        "bot.tickets",
        "bot.numbers",
        "bot.outbox",
        "bot.safety",
        "bot.forms",
    ):
        problems += violations("the domain is channel-neutral", part, ("bot.channels", "handlers"))
    assert problems == []


def test_no_import_cycles() -> None:
    """No module imports itself through others (Tarjan's strongly connected components)."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    assert cycles == []


def test_every_folder_of_bot_says_what_lives_there() -> None:
    """Each package's __init__ has a docstring that says what it holds and what it may import."""
    for init in sorted((ROOT / "bot").rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "import" in doc.lower(), f"{init.relative_to(ROOT)} needs a docstring"
