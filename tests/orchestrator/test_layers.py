"""The layer table of docs/design.md §1 is true: every import of an ``orchestrator`` folder made
by ``orchestrator/`` or ``backends/`` is one its row allows, and no folders import each other.

The table is read from docs/design.md itself (its third column's ``code`` names outside
parentheses: a folder, or one module of it), so the design and this test hold the same data.
The walk is static (``ast``): imports inside functions and under ``TYPE_CHECKING`` count.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from tests.paths import ROOT

DESIGN = ROOT / "docs" / "design.md"
HEADER = "| folder | what lives there | may import |"

# Circles between folders that remain: none since issue 20 (config <-> contract was cut by
# moving what a backend is configured by into contract/, contract <-> physics by moving the
# records of one tick into physics/). The test fails on any change of this set.
KNOWN_KNOTS: set[frozenset[str]] = set()


def _outside_parentheses(text: str) -> str:
    depth, kept = 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            kept.append(ch)
    return "".join(kept)


def layer_table(markdown: str) -> dict[str, frozenset[str]]:
    """Row key (``orchestrator/run``, ``orchestrator/__init__.py``, ``backends/<layer>/<kind>``)
    -> the targets it may import (``config``, ``config.errors``: relative to ``orchestrator``)."""
    lines = markdown.splitlines()
    start = lines.index(HEADER)
    table: dict[str, frozenset[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 3, f"a layer table row has three cells: {line}"
        key = re.findall(r"`([^`]+)`", cells[0])[0].rstrip("/")
        allowed = re.findall(r"`([^`]+)`", _outside_parentheses(cells[2]))
        table[key] = frozenset(allowed)
    return table


def row_of(relative: Path) -> str:
    """The table row that governs the file at ``relative`` (a path under the repository)."""
    parts = relative.parts
    if parts[0] == "orchestrator":
        return "orchestrator/__init__.py" if len(parts) == 2 else f"orchestrator/{parts[1]}"
    if len(parts) >= 4 and parts[2] == "common":
        return "backends/<layer>/common"
    return "backends/<layer>/<kind>"


def _module_name(relative: Path) -> list[str]:
    parts = list(relative.with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


# Parsed sources by their text. Parsing is most of a check's time (~0.7 CPU-s for the ~280
# files), and the checks below parse the same files again in each copy of the tree (twice in
# each test that writes an import into one): a text already parsed is not parsed again. The
# tree is only read (``ast.walk``); a file whose text changed is parsed anew.
_PARSED: dict[str, ast.Module] = {}


def _tree(path: Path) -> ast.Module:
    text = path.read_text()
    tree = _PARSED.get(text)
    if tree is None:
        tree = _PARSED[text] = ast.parse(text, str(path))
    return tree


def imported_targets(path: Path, relative: Path, root: Path) -> list[tuple[int, str]]:
    """(line, target) of every import of ``orchestrator`` in a file; a target is the imported
    module relative to ``orchestrator`` (``run.loop``; ``record`` for ``from orchestrator
    import record``'s package is ``record``, a name that is a module becomes ``pkg.name``)."""
    package = _module_name(relative)
    if relative.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(_tree(path)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                as_path = root.joinpath(*sub.split("."))
                is_module = as_path.is_dir() or as_path.with_suffix(".py").is_file()
                modules.append(sub if is_module else base)
        for module in modules:
            parts = module.split(".")
            if parts[0] == "orchestrator":
                found.append((node.lineno, ".".join(parts[1:])))
    return found


def _sources(root: Path) -> list[Path]:
    return sorted(
        p
        for top in ("orchestrator", "backends")
        for p in (root / top).rglob("*.py")
        if "__pycache__" not in p.parts
    )


def forbidden_imports(root: Path, table: dict[str, frozenset[str]]) -> list[str]:
    """``path:line: row -> target`` for every import the table does not allow."""
    problems = []
    for path in _sources(root):
        relative = path.relative_to(root)
        row = row_of(relative)
        allowed = table[row]
        own = relative.parts[1] if row.startswith("orchestrator/") else None
        for line, target in imported_targets(path, relative, root):
            if own is not None and target.split(".")[0] == own:
                continue
            if any(target == a or target.startswith(a + ".") for a in allowed):
                continue
            problems.append(f"{relative}:{line}: {row} -> {target or 'orchestrator'}")
    return problems


def folder_graph(root: Path) -> dict[str, set[str]]:
    """folder -> the ``orchestrator`` folders its modules import (itself left out)."""
    graph: dict[str, set[str]] = {}
    for path in (root / "orchestrator").rglob("*.py"):
        relative = path.relative_to(root)
        if len(relative.parts) == 2 or "__pycache__" in relative.parts:
            continue
        folder = relative.parts[1]
        edges = graph.setdefault(folder, set())
        for _, target in imported_targets(path, relative, root):
            head = target.split(".")[0]
            if head and head != folder:
                edges.add(head)
    return graph


def knots(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one folder (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: set[frozenset[str]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.add(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _mutual(graph: dict[str, set[str]]) -> list[str]:
    pairs = {(a, b) for a in graph for b in graph[a] if a < b and a in graph.get(b, ())}
    return sorted(f"{a} <-> {b}" for a, b in pairs)


@pytest.fixture(scope="module")
def table() -> dict[str, frozenset[str]]:
    return layer_table(DESIGN.read_text())


def test_the_table_has_a_row_for_every_folder_and_names_only_what_exists(table) -> None:
    folders = {p.parent.name for p in (ROOT / "orchestrator").glob("*/__init__.py")}
    assert {f"orchestrator/{f}" for f in folders} <= set(table), "a folder without a row"
    unknown = sorted(
        a
        for allowed in table.values()
        for a in allowed
        if not (
            (ROOT / "orchestrator").joinpath(*a.split(".")).is_dir()
            or (ROOT / "orchestrator").joinpath(*a.split(".")).with_suffix(".py").is_file()
        )
    )
    assert unknown == [], "the table names what does not exist"


def test_every_import_is_one_the_layer_table_allows(table) -> None:
    assert forbidden_imports(ROOT, table) == []


def _copy(tmp_path: Path) -> Path:
    for top in ("orchestrator", "backends"):
        shutil.copytree(ROOT / top, tmp_path / top, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        (  # physics may not reach the run's lifecycle, not even lazily
            "orchestrator/physics/pci.py",
            "def _late():\n    from orchestrator.run.loop import FusionLoop\n",
            "orchestrator/physics -> run.loop",
        ),
        (  # record reads config.yaml with config.yaml_input, but may not load a RunConfig
            "orchestrator/record/ledger.py",
            "if TYPE_CHECKING:\n    import orchestrator.config.root\n",
            "orchestrator/record -> config.root",
        ),
        (  # contract is below config: an interface may not name the run's config, even lazily
            "orchestrator/contract/registry.py",
            "if TYPE_CHECKING:\n    from orchestrator.config.root import RunConfig\n",
            "orchestrator/contract -> config.root",
        ),
        (  # physics is the bottom: it reads no interface
            "orchestrator/physics/readings.py",
            "from orchestrator.contract.quantum import QuantumProgram\n",
            "orchestrator/physics -> contract.quantum",
        ),
        (  # a backend never drives the loop
            "backends/quantum/aer/backend.py",
            "from orchestrator.control import ace\n",
            "backends/<layer>/<kind> -> control.ace",
        ),
    ],
)
def test_the_checker_fails_on_a_forbidden_import_written_into_a_copy(
    tmp_path, table, module, line, expected
) -> None:
    root = _copy(tmp_path)
    assert forbidden_imports(root, table) == []
    with (root / module).open("a") as fh:
        fh.write("\n" + line)
    problems = forbidden_imports(root, table)
    assert len(problems) == 1 and problems[0].startswith(module + ":")
    assert problems[0].endswith(expected)


def test_no_folders_import_each_other() -> None:
    graph = folder_graph(ROOT)
    assert knots(graph) == KNOWN_KNOTS, _mutual(graph)


@pytest.mark.parametrize(
    ("module", "line", "circle"),
    [
        (  # record reads runs; a record module reaching back into run/ is a circle
            "orchestrator/record/ledger.py",
            "\ndef _late():\n    from orchestrator.run import loop\n",
            {"record", "run"},
        ),
        (  # the circle issue 20 cut: contract naming config again, only for type checking
            "orchestrator/contract/spiking.py",
            "\nif TYPE_CHECKING:\n    from orchestrator.config.root import RunConfig\n",
            {"config", "contract"},
        ),
        (  # the other one issue 20 cut: physics reading an interface again
            "orchestrator/physics/pci.py",
            "\nfrom orchestrator.contract.spiking import SpikingBackend\n",
            {"contract", "physics"},
        ),
    ],
)
def test_the_circle_check_fails_on_a_circle_written_into_a_copy(
    tmp_path, module, line, circle
) -> None:
    root = _copy(tmp_path)
    assert knots(folder_graph(root)) == KNOWN_KNOTS
    with (root / module).open("a") as fh:
        fh.write(line)
    graph = folder_graph(root)
    a, b = sorted(circle)
    assert f"{a} <-> {b}" in _mutual(graph)
    assert any(circle <= knot for knot in knots(graph) - KNOWN_KNOTS)
