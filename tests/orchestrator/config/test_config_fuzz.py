"""Issue 16: fuzzing config documents. Validation is bounded and only ever says ConfigError;
whatever it accepts runs one tick.

The bound, counted rather than timed: validating any document reads at most ``MAX_BYTES`` of
text, builds at most ``MAX_NODES`` YAML nodes (an alias counted as the whole node it names), and
sizes nothing from the input beyond a 64-qubit register with no more terms than the document
has nodes, and ``MAX_NEURONS`` neurons. Each example checks those counts (a spy on the YAML
reader and on the Hamiltonian's constructor) instead of a clock.
"""

from __future__ import annotations

import copy
import math
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.config import ConfigError
from orchestrator.config import root as config_root
from orchestrator.config.root import load_config_text
from orchestrator.config.yaml_input import MAX_NODES, ParsedYaml, parse_yaml
from orchestrator.contract.backend_config import MAX_NEURONS
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.record.verify import verify
from orchestrator.run.runner import execute

BASE: dict[str, Any] = {
    "hamiltonian": {"kind": "tfim", "n_qubits": 2, "j": 1.0, "h": 0.8},
    "quantum": {"kind": "aer", "shots": 64},
    "spiking": {
        "kind": "brian2",
        "neurons": 4,
        "tick_ms": 1.0,
        "recurrent": {"p": 0.5, "weight_mv": 1.0},
    },
    "trotter": {"order": 2, "reps": 1, "dt": 0.3},
    "run": {"ticks": 1, "seed": 3},
}


def _leaves(data: dict[str, Any], path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            found += _leaves(value, (*path, key))
        else:
            found.append((*path, key))
    return found


ALL_LEAVES = _leaves(load_config_text(yaml.safe_dump(BASE), "base").resolved())
# what sizes the work of a tick, or picks another backend: pinned small for the runs
SIZES = {
    ("hamiltonian", "kind"), ("hamiltonian", "n_qubits"), ("quantum", "kind"),
    ("quantum", "shots"), ("quantum", "aer", "noise_from"),
    ("quantum", "aer", "max_parallel_threads"),
    ("spiking", "kind"), ("spiking", "neurons"), ("spiking", "brian2", "codegen_target"),
    ("trotter", "reps"), ("trotter", "order"), ("run", "ticks"), ("run", "out"),
}  # fmt: skip
RUN_LEAVES = [leaf for leaf in ALL_LEAVES if leaf not in SIZES]

EDGE_NUMBERS = [
    0, 1, -1, 2, 3, 7, 2**31, 2**53 - 1, 2**53 + 1, 2**64, 10**30,
    0.0, -0.0, 1e-300, -1e-300, 1e-9, 1e-3, 0.001, 0.05, 0.5, -0.5, 1.0, -1.0, 3.14159,
    1e3, -1e3, 1e6, 1e9, -1e9, 1e12, 1e300, -1e300, math.inf, -math.inf, math.nan,
]  # fmt: skip
scalars = st.one_of(
    st.sampled_from(EDGE_NUMBERS),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.sampled_from(["", "x", "qubit", "amplitude", "kick", "statevector", "additive"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def _set(doc: dict[str, Any], leaf: tuple[str, ...], value: Any) -> None:
    node = doc
    for key in leaf[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[leaf[-1]] = value


@st.composite
def documents(draw: st.DrawFn, leaves: list[tuple[str, ...]], value: st.SearchStrategy) -> str:
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        _set(doc, draw(st.sampled_from(leaves)), draw(value))
    return yaml.safe_dump(doc, allow_unicode=True)


def _aliases(levels: int, width: int) -> str:
    text = "x0: &x0 [" + ", ".join("1" for _ in range(width)) + "]\n"
    for k in range(1, levels + 1):
        text += f"x{k}: &x{k} [" + ", ".join(f"*x{k - 1}" for _ in range(width)) + "]\n"
    return text


@st.composite
def hostile_texts(draw: st.DrawFn) -> str:
    base = draw(documents(ALL_LEAVES, values))
    kind = draw(st.sampled_from(["plain", "bomb", "deep", "duplicate", "noise"]))
    if kind == "bomb":  # aliases used in a typed field
        levels, width = draw(st.integers(1, 9)), draw(st.integers(2, 12))
        field = draw(st.sampled_from(["hamiltonian:\n  terms", "ace:\n  alpha_bounds"]))
        return _aliases(levels, width) + base.replace(
            field.split(":")[0] + ":", field + f": *x{levels}\n ", 1
        )
    if kind == "deep":
        depth = draw(st.integers(1, 200))
        return base + "pci_extra: " + "[" * depth + "]" * depth + "\n"
    if kind == "duplicate":
        return base + draw(st.sampled_from(["run: {ticks: 2}\n", "quantum: {kind: aer}\n"]))
    if kind == "noise":
        return base + draw(st.text(max_size=40))
    return base


def _bounded_validation(text: str) -> tuple[Any, int, list[tuple[int, int]]]:
    """Validate ``text``; (config or ConfigError, nodes built, (n, terms) of each H sized)."""
    parsed: list[ParsedYaml] = []
    sized: list[tuple[int, int]] = []
    original = PauliHamiltonian.from_terms.__func__  # type: ignore[attr-defined]

    def parse_spy(text: str, source: str) -> ParsedYaml:
        parsed.append(parse_yaml(text, source))
        return parsed[-1]

    def from_terms_spy(cls: type, n: int, terms: Any) -> PauliHamiltonian:
        terms = list(terms)
        sized.append((n, len(terms)))
        return original(cls, n, terms)

    with (
        mock.patch.object(config_root, "parse_yaml", parse_spy),
        mock.patch.object(PauliHamiltonian, "from_terms", classmethod(from_terms_spy)),
    ):
        try:
            outcome: Any = load_config_text(text, "fuzz.yaml")
        except ConfigError as exc:  # anything else fails the test
            outcome = exc
    nodes = parsed[0].nodes if parsed else 0
    return outcome, nodes, sized


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_texts())
def test_validation_is_bounded_and_only_raises_config_error(text: str) -> None:
    outcome, nodes, sized = _bounded_validation(text)
    assert len(text.encode("utf-8", "surrogatepass")) <= 1 << 20 or isinstance(
        outcome, ConfigError
    )
    assert nodes <= MAX_NODES
    for n, terms in sized:
        assert n <= 64 and terms <= max(nodes, 1) + 3 * 64  # TFIM terms come from n, not nodes
    if isinstance(outcome, ConfigError):
        assert outcome.problems and all(isinstance(p, str) and p for p in outcome.problems)
        assert all("\n" not in p for p in outcome.problems)
    else:
        assert outcome.n_neurons() <= MAX_NEURONS


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(RUN_LEAVES, scalars))
def test_every_accepted_document_runs_one_tick(text: str) -> None:
    try:
        config = load_config_text(text, "fuzz.yaml", {"run.ticks": 1})
    except ConfigError:
        return
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run"
        result = execute(config, out, draw_report=False)
        assert result.status == "completed", result.summary.get("error")
        last = result.summary["last_tick"]
        assert all(v is None or isinstance(v, str) or math.isfinite(v) for v in last.values())
        assert verify(out / "ledger.sqlite").ok
