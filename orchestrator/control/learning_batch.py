"""What an epoch's gradient batch of the learning rule measures (spec §7; design §16).

H_E, the energy the loss reads, is the cost terms of H (Z letters only) or all of H
(``learning.loss.energy_terms``). Batches on shots measure what the epoch needs: with
lambda_N = lambda_P = 0 and no §8 neural term (``meta.eta_n`` = 0) dpsi/da is not used, so
``run/rules.py`` gives the rule its own instance of the quantum backend measuring only the
bases H_E's terms are read from (Z^n for the cost terms: a third of the circuits of the
tick's Z, X, Y program); the neural and phase ``grad_norm`` entries are then null (not
measured: the rule reads this from the batch program's bases). On statevector everything is
exact and the run's own backend is used. ``run/rules.py`` decides that with these functions;
``control/learning.py`` reads the energy with ``energy_hamiltonian``.
"""

from __future__ import annotations

from orchestrator.config.learning import LearningConfig
from orchestrator.physics import measurement
from orchestrator.physics.hamiltonian import PauliHamiltonian

__all__ = ["energy_bases", "energy_hamiltonian", "measures_bloch"]


def energy_hamiltonian(h: PauliHamiltonian, terms: str) -> PauliHamiltonian:
    """H_E: the cost terms of H (Z letters only) or all of H."""
    if terms == "all":
        return h
    return PauliHamiltonian(h.n_qubits, tuple(t for t in h.terms if set(t.paulis) == {"Z"}))


def measures_bloch(learning: LearningConfig) -> bool:
    """Whether an epoch uses the shifted circuits' Bloch vectors (dpsi/da of the neural and
    phase parts, and of §8's neural term)."""
    meta = learning.meta
    return (
        learning.loss.neural > 0
        or learning.loss.phase > 0
        or (meta is not None and meta.eta_n != 0)
    )


def energy_bases(h_e: PauliHamiltonian, bases: tuple[str, ...]) -> tuple[str, ...]:
    """The bases of ``bases`` that ``measurement.energy_from_samples`` reads H_E's terms from
    (the first that covers each term), in their order."""
    used = {
        next(i for i, b in enumerate(bases) if measurement.covers(b, t))
        for t in h_e.terms
        if t.paulis
    }
    return tuple(b for i, b in enumerate(bases) if i in used) or bases[:1]
