"""Trotterized evolution circuits of a ``QuantumProgram`` (spec §3.1), shared by Qiskit backends.

Math. With ``H = sum_j H_j`` (``H_j = c_j P_j`` Pauli terms) and step ``dt = t / r``:

    Lie-Trotter (order 1):  U_1(dt) = prod_j exp(-i H_j dt),
        exp(-i H t) - U_1(t/r)^r = O(t^2 / r)            (state infidelity O(t^4 / r^2));
    Suzuki (order 2k):  U_2(dt) = prod_j exp(-i H_j dt/2) prod_{j reversed} exp(-i H_j dt/2),
        U_{2k}(dt) = U_{2k-2}(p dt)^2 U_{2k-2}((1 - 4p) dt) U_{2k-2}(p dt)^2,
        p = 1 / (4 - 4^{1/(2k-1)}),
        exp(-i H t) - U_{2k}(t/r)^r = O(t^{2k+1} / r^{2k})  (state infidelity O(1 / r^{4k})).

So doubling ``reps`` cuts the infidelity 4x (Lie) and 16x (Suzuki-2). Qiskit builds the product
formula: ``PauliEvolutionGate(SparsePauliOp, time, synthesis=LieTrotter | SuzukiTrotter)``;
``preserve_order=False`` lets the synthesis reorder the terms (another product formula of the
same order, usually shallower).

Circuit of one basis b (a string, character q = basis of qubit q):

    prep -> exp(-i H time) (Trotterized) -> rotation of b -> measure qubit q into clbit q,

with the rotation 'Z': none, 'X': H, 'Y': Sdg then H (so a 0 bit is the +1 eigenvalue of b_q).

Preparations:
- ``product``: qubit q gets RY(theta_q) then RZ(phi_q), i.e.
  cos(theta_q/2)|0> + e^{i phi_q} sin(theta_q/2)|1>  up to the global phase e^{-i phi_q/2}.
  The angles are ONE ``ParameterVector`` named ``prep`` of length 2n laid out as
  ``prep[q] = theta_q``, ``prep[n + q] = phi_q`` (``prep_values`` builds that vector).
  A transpiler is free to drop a parameter whose gate has no effect (an RZ right before a Z
  measurement; level 1 keeps it today), so bind through ``parameter_columns`` of each
  transpiled circuit, never by the position of an untranspiled one.
- ``amplitudes``: no preparation gates and no parameters; the backend puts the tick's state
  in front of the transpiled circuit (Aer: ``set_statevector``), so nothing is re-transpiled.

Free angles (``program.layers`` = L > 0, the trainable evolution of issue 12): instead of the
product formula, L layers each apply exp(-i x[l, k] P_k) for the terms ``layer_terms`` in
order, P_k the Pauli string of the term without its coefficient, one ``PauliEvolutionGate``
per term whose time is the element ``evo[l * K + k]`` of the ParameterVector ``evo``
(K = len(layer_terms)). With x[l, k] = c_k t / L and every term in H's order this IS the
Lie-Trotter circuit of reps L (up to the synthesis' gate choice), so a default program and a
trainable one start from the same evolution. The bound vector is ``prep_values`` followed by
the L*K angles (``request_values``); ``parameter_columns`` maps both vectors.

Devices. ``transpile_for_device`` makes ISA circuits for a device or snapshot (its basis gates,
coupling map and a layout chosen with a fixed transpiler seed, so the same config gives the same
physical qubits on every run). Routing may move a logical qubit, but measurement k always writes
clbit k, so the classical register stays in LOGICAL order: bit q of a result is logical qubit q
wherever it was measured. ``measured_qubits`` tells which physical qubit that was (readout
calibration needs it).

Everything here runs once per program; a tick only binds numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import ParameterVector, ParameterVectorElement
from qiskit.circuit.library import PauliEvolutionGate
from qiskit.providers import BackendV2
from qiskit.quantum_info import SparsePauliOp
from qiskit.synthesis import LieTrotter, SuzukiTrotter
from qiskit.transpiler import generate_preset_pass_manager

from backends.quantum.common.transpile_cache import cached_transpile
from orchestrator.contract.quantum import QuantumProgram

__all__ = [
    "EVO_NAME",
    "MEAS_NAME",
    "PREP_NAME",
    "TRANSPILE_SEED",
    "evolution_circuit",
    "measured_circuits",
    "measured_qubits",
    "parameter_columns",
    "prep_parameters",
    "prep_values",
    "request_values",
    "state_circuit",
    "transpile_for_device",
    "transpile_once",
]

TRANSPILE_SEED = 1234
"""Seed of the layout and routing passes for devices (same config -> same physical qubits)."""

MEAS_NAME = "meas"
"""Name of the classical register every measured circuit writes (clbit q = logical qubit q)."""

PREP_NAME = "prep"
"""Name of the ParameterVector holding [theta_0..theta_{n-1}, phi_0..phi_{n-1}]."""

EVO_NAME = "evo"
"""Name of the ParameterVector of a trainable program's free angles, layer-major."""


def prep_parameters(n_qubits: int) -> ParameterVector:
    """The 2n preparation angles: element q is theta_q, element n + q is phi_q."""
    return ParameterVector(PREP_NAME, 2 * n_qubits)


def prep_values(theta: np.ndarray | None, phi: np.ndarray | None, n: int) -> np.ndarray:
    """The values of ``prep_parameters`` for one request, shape (2n,).

    ``ValueError`` unless theta and phi are both given with shape (n,) and finite values.
    """
    if theta is None or phi is None:
        raise ValueError("product preparation needs theta and phi")
    values = np.concatenate([np.asarray(theta, dtype=float), np.asarray(phi, dtype=float)])
    if np.shape(theta) != (n,) or np.shape(phi) != (n,) or not np.all(np.isfinite(values)):
        raise ValueError(f"product preparation needs {n} finite theta and phi angles each")
    return values


def request_values(
    theta: np.ndarray | None, phi: np.ndarray | None, evolution: np.ndarray | None,
    program: QuantumProgram,
) -> np.ndarray:
    """The bound vector of a product request: ``prep_values``, then the free angles if any.

    ``ValueError`` when a trainable program gets no angles of shape (layers, K), or angles
    that are not finite, or a default program gets angles.
    """
    values = prep_values(theta, phi, program.n_qubits)
    if program.layers == 0:
        if evolution is not None:
            raise ValueError("this program has no free evolution angles")
        return values
    shape = (program.layers, len(program.layer_terms))
    if evolution is None or np.shape(evolution) != shape:
        raise ValueError(f"this program needs evolution angles of shape {shape}")
    angles = np.asarray(evolution, dtype=float).ravel()
    if not np.all(np.isfinite(angles)):
        raise ValueError("evolution angles must be finite")
    return np.concatenate([values, angles])


def _synthesis(program: QuantumProgram) -> LieTrotter | SuzukiTrotter:
    if program.reps < 1:
        raise ValueError(f"trotter reps must be >= 1 (got {program.reps})")
    if program.order == 1:
        return LieTrotter(reps=program.reps, preserve_order=program.preserve_order)
    if program.order < 1 or program.order % 2:
        raise ValueError(f"trotter order must be 1 or even (got {program.order})")
    return SuzukiTrotter(
        order=program.order, reps=program.reps, preserve_order=program.preserve_order
    )


def evolution_circuit(program: QuantumProgram) -> QuantumCircuit:
    """exp(-i H time) as one untranspiled ``PauliEvolutionGate`` on n qubits (empty if H = 0)."""
    n = program.n_qubits
    circuit = QuantumCircuit(QuantumRegister(n, "q"))
    if program.layers > 0:
        return _free_evolution(program, circuit)
    terms = program.hamiltonian.sparse_list()
    if not terms or program.time == 0.0:
        return circuit
    operator = SparsePauliOp.from_sparse_list(terms, n)
    gate = PauliEvolutionGate(operator, time=program.time, synthesis=_synthesis(program))
    circuit.append(gate, range(n))
    return circuit


def _free_evolution(program: QuantumProgram, circuit: QuantumCircuit) -> QuantumCircuit:
    """The L layers of exp(-i x P_k), angles from the ParameterVector ``evo``."""
    n = program.n_qubits
    terms = program.hamiltonian.terms
    k_terms = len(program.layer_terms)
    angles = ParameterVector(EVO_NAME, program.layers * k_terms)
    for layer in range(program.layers):
        for k, index in enumerate(program.layer_terms):
            term = terms[index]
            pauli = SparsePauliOp.from_sparse_list([(term.paulis, list(term.qubits), 1.0)], n)
            circuit.append(
                PauliEvolutionGate(pauli, time=angles[layer * k_terms + k]), range(n)
            )
    return circuit


def state_circuit(program: QuantumProgram) -> QuantumCircuit:
    """Preparation (``product`` only) then the evolution; no measurement, untranspiled."""
    n = program.n_qubits
    circuit = QuantumCircuit(QuantumRegister(n, "q"))
    if program.preparation == "product":
        angles = prep_parameters(n)
        for q in range(n):
            circuit.ry(angles[q], q)
            circuit.rz(angles[n + q], q)
    circuit.compose(evolution_circuit(program), inplace=True)
    return circuit


def measured_circuits(program: QuantumProgram) -> tuple[QuantumCircuit, ...]:
    """One untranspiled circuit per basis of ``program.bases``: state, rotation, measurement.

    Qubit q is measured into clbit q of the register ``meas``.
    """
    n = program.n_qubits
    base = state_circuit(program)
    out = []
    for basis in program.bases:
        if len(basis) != n or set(basis) - set("XYZ"):
            raise ValueError(f"basis {basis!r}: need {n} characters from X, Y, Z")
        circuit = base.copy(name=f"basis_{basis}")
        circuit.add_register(ClassicalRegister(n, MEAS_NAME))
        for q, b in enumerate(basis):
            if b == "Y":
                circuit.sdg(q)
            if b in "XY":
                circuit.h(q)
        circuit.measure(range(n), range(n))
        out.append(circuit)
    return tuple(out)


def transpile_once(
    circuits: Sequence[QuantumCircuit], backend: BackendV2, optimization_level: int = 1
) -> tuple[QuantumCircuit, ...]:
    """Transpile for ``backend``, keeping parameters symbolic (call once per program).

    Kept across runs (``transpile_cache``: keyed by the circuits, the backend, the level and the
    versions; ``QNF_CACHE=off`` turns it off)."""
    return cached_transpile(
        circuits,
        backend,
        optimization_level,
        lambda: transpile(list(circuits), backend=backend, optimization_level=optimization_level),
    )


def transpile_for_device(
    circuits: Sequence[QuantumCircuit],
    backend: BackendV2,
    optimization_level: int = 1,
    initial_layout: Sequence[int] | None = None,
) -> tuple[QuantumCircuit, ...]:
    """ISA circuits for a device or snapshot, parameters kept symbolic (once per program).

    ``initial_layout[q]`` is the physical qubit of logical qubit q (default: the transpiler's
    choice at ``TRANSPILE_SEED``).
    """
    manager = generate_preset_pass_manager(
        backend=backend,
        optimization_level=optimization_level,
        initial_layout=None if initial_layout is None else list(initial_layout),
        seed_transpiler=TRANSPILE_SEED,
    )
    return tuple(manager.run(list(circuits)))


def measured_qubits(circuit: QuantumCircuit, n_qubits: int) -> tuple[int, ...]:
    """For each clbit q < n_qubits, the (physical) qubit measured into it; each exactly once."""
    found: dict[int, int] = {}
    for instruction in circuit.data:
        if instruction.operation.name == "measure":
            clbit = circuit.find_bit(instruction.clbits[0]).index
            if clbit in found:
                raise ValueError(f"{circuit.name}: clbit {clbit} is measured twice")
            found[clbit] = circuit.find_bit(instruction.qubits[0]).index
    if sorted(found) != list(range(n_qubits)):
        raise ValueError(f"{circuit.name}: expected one measurement into each of {n_qubits} clbits")
    return tuple(found[q] for q in range(n_qubits))


def parameter_columns(circuit: QuantumCircuit, n_qubits: int) -> np.ndarray:
    """For each of ``circuit.parameters`` in order, its index in ``request_values``'s vector
    (``prep`` element i -> i, ``evo`` element j -> 2n + j)."""
    columns = []
    for p in circuit.parameters:
        if isinstance(p, ParameterVectorElement) and p.vector.name == EVO_NAME:
            columns.append(2 * n_qubits + p.index)
            continue
        if not (
            isinstance(p, ParameterVectorElement)
            and p.vector.name == PREP_NAME
            and p.index < 2 * n_qubits
        ):
            raise ValueError(f"circuit parameter {p} is not a prep angle or an evolution angle")
        columns.append(p.index)
    return np.array(columns, dtype=np.intp)
