"""What a config's circuits cost, from the config alone, before anything is built (issue 27).

A quantum backend builds one circuit per measurement basis (shots), or one state circuit when
it returns exact amplitudes, and transpiles them once; every tick then simulates (or runs)
them all. Both costs grow with the gates of those circuits, so validation counts them:

    exp(-i c t P), P of weight w with x X letters and y Y letters:
        w = 1:   1 gate (a single-qubit rotation)
        w >= 2:  2 (w - 1) CX (a chain) + 1 RZ + 2 (x + y) basis changes (before, after)
    one Trotter step: order 1 takes every term once; order 2k takes 2 x 5^(k - 1) half-steps of
        every term (Suzuki's recursion; an upper bound: Qiskit merges the middle half-steps)
    the evolution: ``trotter.reps`` steps; a trainable program (``learning``): ``layers``
        layers of every non-identity term once
    one circuit: 2n preparation angles + the evolution + at most 2n basis rotations + n
        measurements
    gates = circuits x gates of one circuit

This is the untranspiled count: a transpiler for a device adds routing (SWAPs on a sparse
coupling map), and optimisation may merge rotations. A test holds it within a factor of two of
Qiskit's own decomposition (``tests/backends/quantum/common/test_circuit_cost.py``);
``bench/config_cost.py`` measures what building costs per gate.

``circuit_problems`` refuses a config whose count exceeds ``safety.max_circuit_gates`` in one
line saying what to change. What building costs per gate depends on the structure, measured
here (BENCHMARKS.md, "Issue 27"): random Pauli terms transpile at ~7,000 gates a second, a
dense Ising graph with repeated edges at a few hundred (Qiskit's commutation passes grow with
the run of two-qubit gates on a qubit: 8,000 edges on 30 qubits, 144,558 gates, took 767 s
under load), a device's routing at a few hundred too. **Choice:** the default, 250,000 gates,
refuses both red-team configs (45,000 edges: 810,072; 8,000 Pauli terms: ~49 million) and
keeps hardware-sized models well inside: the 127-qubit heavy-hex Ising model of a real device
(144 ZZ edges, a transverse field, Suzuki-2, 4 reps) is 15,321, a 64-qubit all-to-all Ising
graph at 4 reps ~150,000. A config may raise it, knowing the cost the line states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from orchestrator.physics.bases import measurement_bases
from orchestrator.physics.hamiltonian import PauliHamiltonian

if TYPE_CHECKING:
    from orchestrator.config.root import RunConfig

__all__ = [
    "CircuitCost",
    "circuit_cost",
    "circuit_problems",
    "evolution_gates",
    "program_cost",
    "term_gates",
]


def term_gates(paulis: str) -> int:
    """Gates of one exp(-i c t P) for the Pauli letters ``paulis`` (module docstring)."""
    w = len(paulis)
    if w <= 1:
        return w
    return 2 * (w - 1) + 1 + 2 * (w - paulis.count("Z"))


def evolution_gates(h: PauliHamiltonian, order: int, reps: int, layers: int = 0) -> int:
    """Gates of the evolution of one tick: ``reps`` product-formula steps of ``order``, or
    ``layers`` > 0 layers of free angles (one gate per term per layer)."""
    per_term = sum(term_gates(t.paulis) for t in h.terms)
    if layers > 0:
        return layers * per_term
    halves = 1 if order == 1 else 2 * 5 ** (order // 2 - 1)
    return reps * halves * per_term


@dataclass(frozen=True)
class CircuitCost:
    """circuits: built and run each tick; gates_per_circuit: the largest; gates: the total."""

    circuits: int
    gates_per_circuit: int
    gates: int

    def short(self) -> str:
        """``3 circuits x 1,234 gates`` (``qnf run``'s line before it builds them)."""
        return f"{self.circuits} circuits x {self.gates_per_circuit:,} gates"

    def line(self) -> str:
        """``qnf validate``'s and ``qnf run``'s line."""
        return (
            f"circuits: {self.circuits} x {self.gates_per_circuit:,} gates = {self.gates:,} "
            "gates to build and transpile once, and to run each tick"
        )


def program_cost(
    h: PauliHamiltonian,
    order: int,
    reps: int,
    layers: int = 0,
    statevector: bool = False,
    product: bool = True,
) -> CircuitCost:
    """The cost of the circuits of one program: exact amplitudes (``statevector``) take one
    state circuit, shots one circuit per measurement basis; ``product``: the preparation is
    2n angles (the amplitude mapping sets the state instead)."""
    n = h.n_qubits
    circuits = 1 if statevector else len(measurement_bases(h))
    per_circuit = (2 * n if product else 0) + evolution_gates(h, order, reps, layers) + 3 * n
    return CircuitCost(circuits, per_circuit, circuits * per_circuit)


def circuit_cost(cfg: RunConfig) -> CircuitCost:
    """The cost of a validated config's circuits (fields valid; no SDK imported)."""
    return program_cost(
        cfg.build_hamiltonian(),
        cfg.trotter.order,
        cfg.trotter.reps,
        cfg.learning.layers if cfg.learning is not None else 0,
        cfg.quantum.capabilities().statevector,
        cfg.pci.mapping != "amplitude",
    )


def circuit_problems(cfg: RunConfig) -> list[str]:
    """One line when the circuits' gates exceed ``safety.max_circuit_gates``, else none."""
    cost = circuit_cost(cfg)
    limit = cfg.safety.max_circuit_gates
    if cost.gates <= limit:
        return []
    h = cfg.build_hamiltonian()
    return [
        f"hamiltonian: its circuits need about {cost.gates:,} gates ({cost.circuits} circuits x "
        f"{cost.gates_per_circuit:,}: {len(h.terms)} terms x trotter.reps "
        f"{cfg.trotter.reps} x order {cfg.trotter.order}), more than safety.max_circuit_gates "
        f"= {limit:,}; use fewer terms (merge repeated edges) or reps, or raise the limit "
        "knowing what building will cost (qnf validate prints it)"
    ]
