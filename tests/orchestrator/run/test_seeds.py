"""The seed streams live in one table (``orchestrator.run.seeds.Stream``), listed in design §6."""

from __future__ import annotations

import ast
import re

from orchestrator.run.seeds import Stream, derive_seed
from tests.paths import ROOT


def design_streams() -> dict[str, int]:
    """The stream table of docs/design.md §6: name -> number."""
    text = (ROOT / "docs" / "design.md").read_text()
    section = text[text.index("## 6. Reproducibility and seeds") :]
    section = section[: section.index("\n## ", 1)]
    return {name: int(n) for name, n in re.findall(r"^\| `(\w+)` \| (\d+) \|", section, re.M)}


def test_no_two_streams_share_a_number() -> None:
    numbers = [member.value for member in Stream.__members__.values()]  # aliases included
    assert len(numbers) == len(set(numbers)) == len(Stream)


def test_the_design_lists_every_stream_with_its_number() -> None:
    assert design_streams() == {member.name: member.value for member in Stream}


def test_no_module_derives_a_seed_from_a_bare_number() -> None:
    """A stream is named from the table, never written as a number where it is used."""
    offenders = []
    for path in [*(ROOT / "orchestrator").rglob("*.py"), *(ROOT / "backends").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "derive_seed" and isinstance(node.args[1], ast.Constant):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_a_stream_derives_what_its_number_derives() -> None:
    """The table changes names, never seeds: an enum member keys like its plain number."""
    for member in Stream:
        assert derive_seed(7, member, 3) == derive_seed(7, int(member), 3)
    assert derive_seed(0, Stream.QUANTUM) != derive_seed(0, Stream.CONNECTIVITY)
