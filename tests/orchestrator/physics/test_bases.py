"""``measurement_bases`` (bit masks, no numpy) against the greedy grouping written out plainly:
a dict of letters per group, each term checked qubit by qubit (the rule of its docstring)."""

from __future__ import annotations

import random

import pytest

from orchestrator.physics.bases import measurement_bases
from orchestrator.physics.hamiltonian import PauliHamiltonian, PauliTerm


def _reference(h: PauliHamiltonian) -> tuple[str, ...]:
    groups: list[dict[int, str]] = []
    for term in h.terms:
        if len(set(term.paulis)) <= 1:
            continue
        for group in groups:
            if all(group.get(q, p) == p for p, q in zip(term.paulis, term.qubits)):
                group.update(zip(term.qubits, term.paulis))
                break
        else:
            groups.append(dict(zip(term.qubits, term.paulis)))
    n = h.n_qubits
    mixed = ["".join(g.get(q, "Z") for q in range(n)) for g in groups]
    return ("Z" * n, "X" * n, "Y" * n, *mixed)


def _random(rng: random.Random, n: int, terms: int, locality: int) -> PauliHamiltonian:
    out = []
    for _ in range(terms):
        qubits = rng.sample(range(n), rng.randint(1, min(locality, n)))
        paulis = "".join(rng.choice("XYZ") for _ in qubits)
        out.append(PauliTerm(paulis=paulis, qubits=tuple(qubits), coeff=rng.uniform(-1, 1)))
    return PauliHamiltonian(n_qubits=n, terms=tuple(out))


@pytest.mark.parametrize("seed", range(40))
def test_the_same_bases_as_the_plain_greedy_grouping(seed) -> None:
    rng = random.Random(seed)
    h = _random(rng, rng.randint(1, 70), rng.randint(0, 80), rng.randint(1, 6))
    assert measurement_bases(h) == _reference(h)


def test_a_large_hamiltonian_on_many_qubits() -> None:
    """127 qubits (bits past a machine word), 3,000 mixed terms: many groups."""
    h = _random(random.Random(7), 127, 3000, 4)
    bases = measurement_bases(h)
    assert bases == _reference(h)
    assert len(bases) > 10
    for term in h.terms:  # every term is read by some basis
        assert any(all(b[q] == p for p, q in zip(term.paulis, term.qubits)) for b in bases)
