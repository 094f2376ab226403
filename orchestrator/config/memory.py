"""Cross-section checks of the ``memory`` section (spec §10): the engine registered and
installed, the register sizes. The section model is ``orchestrator.contract.memory_config``
(what a memory engine is configured by, ``contract/memory.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestrator.contract.memory_config import EXACT_MAX_BITS

if TYPE_CHECKING:
    from orchestrator.config.root import RunConfig

__all__ = ["memory_problems"]


def memory_problems(cfg: RunConfig) -> list[str]:
    """Cross-section checks of ``memory`` (engine registered and installed, register sizes)."""
    from orchestrator.contract.registry import plugins

    mem = cfg.memory
    if mem is None:
        return []
    problems: list[str] = []
    n = mem.width(cfg.build_hamiltonian().n_qubits)
    engines = plugins("memory")
    plugin = engines.get(mem.engine)
    if plugin is None:
        problems.append(
            f"memory.engine: unknown engine {mem.engine!r}; registered here: {', '.join(engines)}"
        )
    elif plugin.missing():
        problems.append(
            f"memory.engine: '{mem.engine}' needs {', '.join(plugin.missing())}: {plugin.install}"
        )
    if mem.engine == "exact" and n > EXACT_MAX_BITS:
        problems.append(
            f"memory.bits: the exact engine holds 2n qubits in memory and takes n <= "
            f"{EXACT_MAX_BITS} (n = {n}); use memory.engine: sampled"
        )
    if mem.engine == "sampled":
        if 2 * n > cfg.safety.max_qubits:
            problems.append(
                f"memory.bits: the sampled memory runs 2n = {2 * n} qubits, above "
                f"safety.max_qubits = {cfg.safety.max_qubits}"
            )
        caps = cfg.quantum.capabilities()
        if caps.statevector:
            problems.append(
                "memory.engine: 'sampled' estimates from shots, but the quantum backend as "
                "configured returns amplitudes only; use memory.engine: exact"
            )
        elif caps.max_qubits is not None and 2 * n > caps.max_qubits:
            problems.append(
                f"memory.bits: quantum backend '{cfg.quantum.kind}' takes at most "
                f"{caps.max_qubits} qubits; the memory needs 2n = {2 * n}"
            )
    return problems
