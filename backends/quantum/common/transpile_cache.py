"""Transpiled circuits kept across runs for a simulator (issue 25 item 1; docs/design.md §25).

Transpiling the demo's 3 circuits for Aer takes little; building the preset pass manager
takes seconds: ``generate_preset_pass_manager`` loads every transpiler stage plugin installed
(qiskit-ibm-runtime registers some, and importing it is most of the cost). A program's
circuits, transpiled once, are stored as QPY and read back on the next run with the same key.

Key (SHA-256 of): this format's tag; the versions of qiskit, of the backend's package and of
QPY; the optimization level; the backend (class, name, options, and its target's operations with
their qubits and properties); the input circuits as QPY, in which each parameter's random UUID
is replaced by its position and each UUID that QPY writes into a gate's name
(PauliEvolutionGate_<uuid4>) by its order: a program builds new ParameterVectors on every run
and QPY draws new gate names on every dump, and these are all that differs between two runs of
one config. Gates, angles, parameter names and indices, registers and metadata count; the
circuits' own names do not (the transpiler passes them through; a hit gets this run's names).
Any change of what counts misses.

Store: ``$QNF_CACHE/transpile/<key>.qpy`` (``orchestrator.contract.run_cache``: the root
defaults to ``$XDG_CACHE_HOME/qnfusion``, ``QNF_CACHE=off`` turns the cache off; written to a
temporary file in the same folder, then renamed over: readers see a whole file or none). A
file that does not load, or loads as other circuits (count, clbits), is a miss and is
rewritten. Cache trouble (a read-only or full disk) never fails a run: it is transpiled as
without a cache.

The circuits read back give Aer what the transpiler gave it (QPY keeps gates, angles,
parameters, registers, layout, global phase): ``tests/backends/quantum/common/
test_transpile_cache.py`` compares the QPY bytes of a hit with a fresh transpile, and the golden
roots run with the cache on.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import qiskit
from qiskit import QuantumCircuit, qpy
from qiskit.providers import BackendV2

from orchestrator.contract.run_cache import cache_folder, store

__all__ = ["cache_dir", "cached_transpile", "circuits_key"]

FORMAT = "qnfusion transpile cache 1"
_TEXT_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def cache_dir() -> Path | None:
    """The folder of transpiled circuits, or None where ``QNF_CACHE=off``."""
    return cache_folder("transpile")


def _canonical_qpy(circuits: Sequence[QuantumCircuit]) -> bytes:
    buffer = io.BytesIO()
    qpy.dump([c.copy(name=f"circuit {i}") for i, c in enumerate(circuits)], buffer)
    data = buffer.getvalue()
    seen: dict[bytes, int] = {}
    for circuit in circuits:
        for parameter in circuit.parameters:
            seen.setdefault(parameter.uuid.bytes, len(seen))
    for uuid, position in seen.items():
        data = data.replace(uuid, b"qnf-param" + position.to_bytes(7, "big"))
    names: dict[bytes, bytes] = {}  # QPY names some gates NAME_<uuid4>, new on every dump

    def renamed(match: re.Match[bytes]) -> bytes:
        return names.setdefault(match.group(0), b"uuid-%d" % len(names))

    return _TEXT_UUID.sub(renamed, data)


def _backend_text(backend: BackendV2) -> str:
    target = backend.target
    operations = []
    for name in sorted(target.operation_names):
        properties = target[name]
        operations.append(
            [
                name,
                repr(target.operation_from_name(name)),
                sorted((repr(qargs), repr(props)) for qargs, props in properties.items()),
            ]
        )
    cls = type(backend)
    return json.dumps(
        {
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "name": backend.name,
            "options": repr(backend.options),
            "num_qubits": target.num_qubits,
            "dt": target.dt,
            "operations": operations,
        },
        sort_keys=True,
        default=repr,
    )


def circuits_key(
    circuits: Sequence[QuantumCircuit], backend: BackendV2, optimization_level: int
) -> str:
    """The cache key of transpiling ``circuits`` for ``backend`` (see the module docstring)."""
    package = type(backend).__module__.split(".")[0]
    versions = [qiskit.__version__, package, str(getattr(sys.modules[package], "__version__", ""))]
    digest = hashlib.sha256()
    for part in (FORMAT, *versions, str(qpy.QPY_VERSION), str(optimization_level)):
        digest.update(part.encode() + b"\0")
    digest.update(_backend_text(backend).encode() + b"\0")
    digest.update(_canonical_qpy(circuits))
    return digest.hexdigest()


def _read(path: Path, like: Sequence[QuantumCircuit]) -> tuple[QuantumCircuit, ...] | None:
    try:
        with path.open("rb") as f:
            loaded = tuple(qpy.load(f))
    except Exception:  # absent, damaged or foreign: a miss, rewritten
        return None
    if len(loaded) != len(like):
        return None
    for got, want in zip(loaded, like):
        if got.num_clbits != want.num_clbits:
            return None
        got.name = want.name  # the transpiler keeps each circuit's name
    return loaded


def _write(path: Path, circuits: Sequence[QuantumCircuit]) -> None:
    store(path, lambda f: qpy.dump(list(circuits), f))


def cached_transpile(
    circuits: Sequence[QuantumCircuit],
    backend: BackendV2,
    optimization_level: int,
    transpile: Callable[[], Sequence[QuantumCircuit]],
) -> tuple[QuantumCircuit, ...]:
    """``transpile()`` (the circuits for ``backend``), from the cache where it has them."""
    folder = cache_dir()
    if folder is None:
        return tuple(transpile())
    path = folder / f"{circuits_key(circuits, backend, optimization_level)}.qpy"
    hit = _read(path, circuits)
    if hit is not None:
        return hit
    fresh = tuple(transpile())
    _write(path, fresh)
    return fresh
