"""``cli.plain`` writes a line itself only where rich would write exactly that line: the bytes
of a plain line are rich's, and every line rich would change goes through rich."""

from __future__ import annotations

import io
import random
import string

import pytest
from rich.console import Console

from orchestrator.cli import plain

# The lines `qnf validate` prints for the demo, and lines built to tempt rich: colons (emoji
# codes), brackets (markup), tabs, control and non-ASCII characters, long lines.
LINES = [
    "ok: ising Hamiltonian on 8 qubits (20 terms); quantum aer (1024 shots); spiking brian2 "
    "(64 neurons); qubit mapping; 100 ticks, seed 1",
    "memory estimate: 600.3 MiB (Python with the SDKs loaded 600.0 MiB, quantum state 4.0 KiB)",
    "circuits: 3 x 216 gates = 648 gates to build and transpile once, and to run each tick",
    "hamiltonian.:smile:: unknown key",
    "quantum.kind: unknown backend 'a:b:c'; registered here: aer, ibm, qiskit",
    "run.[bold]x[/bold]: unknown key",
    "run.ticks: must be an integer (got 'a\\tb')",
    "run.ticks: must be an integer (got 'a\tb')",
    "hamiltonian.clé: unknown key",
    "bell \x07 and escape \x1b[31m red",
    "x" * 5000,
    "",
    " leading and trailing spaces ",
    "time 12:30:45 and url http://example.org:8080/x",
]


def _rich(line: str, terminal: bool) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, soft_wrap=True, force_terminal=terminal, width=60)
    console.print(line, markup=False, highlight=False, soft_wrap=True)
    return buffer.getvalue()


def _random_lines(count: int) -> list[str]:
    rng = random.Random(25)
    alphabet = string.printable + ":::" + "é\u200b😄\x00\x07\x08\x0b\x0c\x1b\x7f\x85"
    words = ["smile", "rocket", "b", "x", "thumbs_up", "-emoji", "-text", " ", ":"]
    lines = []
    for _ in range(count):
        parts = [rng.choice(words) if rng.random() < 0.4 else rng.choice(alphabet)
                 for _ in range(rng.randrange(0, 40))]  # fmt: skip
        lines.append("".join(parts))
    return lines


@pytest.mark.parametrize("terminal", [False, True])
def test_a_plain_line_is_what_rich_writes(terminal) -> None:
    lines = LINES + _random_lines(3000)
    plain_lines = [line for line in lines if plain.is_plain(line)]
    assert len(plain_lines) > 500  # the check sees many
    for line in plain_lines:
        assert _rich(line, terminal) == line + "\n", repr(line)


def test_every_line_rich_changes_is_not_plain() -> None:
    changed = [line for line in LINES + _random_lines(3000) if _rich(line, False) != line + "\n"]
    assert len(changed) > 100  # emoji codes, tabs and control characters among them
    assert not [line for line in changed if plain.is_plain(line)]


def test_lines_go_through_rich_once_a_console_exists(monkeypatch, capsys) -> None:
    monkeypatch.setattr(plain, "_consoles", {})
    plain.say("a:smile: plain?")  # not plain: rich replaces the emoji code, making the console
    assert set(plain._consoles) == {False}
    plain.say("plain")  # plain, but a console exists: through it
    out = capsys.readouterr().out
    assert out == "a\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES} plain?\nplain\n"


def test_without_a_console_a_plain_line_is_written_directly(monkeypatch, capsys) -> None:
    monkeypatch.setattr(plain, "_consoles", {})
    plain.say("ok: written as it is")
    with pytest.raises(Exception) as exc:  # typer.Exit, imported by fail itself
        plain.fail(["a: first", "b: second"], code=3)
    assert type(exc.value).__name__ == "Exit" and exc.value.exit_code == 3
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("ok: written as it is\n", "a: first\nb: second\n")
    assert plain._consoles == {}
