"""Config of the task Hamiltonian (spec §3.1), discriminated on ``kind``.

- ``tfim``:  H = -J sum_i Z_i Z_{i+1} - h sum_i X_i   (open chain, or a ring if ``periodic``)
- ``ising``: H = sum_{(i,j,w)} w Z_i Z_j + sum_i h_i Z_i - g sum_i X_i
  With ``h = 0`` and ``g = 0`` and the edge weights of a graph this is the MaxCut cost up to a
  constant: cut(z) = sum w (1 - z_i z_j) / 2, so minimising H maximises the cut. ``g`` adds a
  transverse field so that the dynamics leave the computational basis.
- ``pauli``: explicit terms ``{paulis: "XZ", qubits: [0, 3], coeff: 0.5}``.
"""

from __future__ import annotations

from abc import abstractmethod
from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from orchestrator.contract.strict import StrictModel
from orchestrator.physics.hamiltonian import PauliHamiltonian

__all__ = ["HamiltonianConfig", "IsingConfig", "PauliConfig", "PauliTermConfig", "TfimConfig"]

_MAX_REGISTER = 64  # an upper bound on what any config may name; safety.max_qubits is tighter


class _HamiltonianSection(StrictModel):
    """What every kind of ``hamiltonian`` section does: build H, once."""

    @abstractmethod
    def build(self) -> PauliHamiltonian:
        """H as plain data (a new object each call; ``operator`` is the cached one)."""

    @cached_property
    def operator(self) -> PauliHamiltonian:
        """``build()``, once per section (validation, footprint, cost and the run share it)."""
        return self.build()


class TfimConfig(_HamiltonianSection):
    """Transverse-field Ising chain."""

    kind: Literal["tfim"] = Field(description="Transverse-field Ising chain.")
    n_qubits: int = Field(gt=0, le=_MAX_REGISTER, description="Chain length n.")
    j: float = Field(1.0, description="ZZ coupling J (H has -J Z_i Z_{i+1}).")
    h: float = Field(1.0, description="Transverse field h (H has -h X_i).")
    periodic: bool = Field(False, description="Close the chain into a ring.")

    def build(self) -> PauliHamiltonian:
        n = self.n_qubits
        bonds = [(i, i + 1) for i in range(n - 1)]
        if self.periodic and n > 2:
            bonds.append((n - 1, 0))
        terms = [("ZZ", b, -self.j) for b in bonds] + [("X", (i,), -self.h) for i in range(n)]
        return PauliHamiltonian.from_terms(n, terms)


class IsingConfig(_HamiltonianSection):
    """Ising model on a weighted graph (MaxCut / QUBO cost), with an optional transverse field."""

    kind: Literal["ising"] = Field(description="Ising model from a weighted edge list.")
    n_qubits: int | None = Field(
        None, gt=0, le=_MAX_REGISTER, description="Register size; default: largest vertex + 1."
    )
    edges: list[tuple[int, int, float]] = Field(
        min_length=1, description="Edges as [i, j, weight]; adds weight * Z_i Z_j."
    )
    fields: dict[int, float] = Field(
        default_factory=dict, description="Longitudinal fields {i: h_i}; adds h_i Z_i."
    )
    transverse_field: float = Field(0.0, description="g: adds -g X_i on every qubit.")

    @field_validator("edges")
    @classmethod
    def _check_edges(
        cls, edges: list[tuple[int, int, float]], info: ValidationInfo
    ) -> list[tuple[int, int, float]]:
        n = info.data.get("n_qubits")
        for i, j, _ in edges:
            if i == j:
                raise ValueError(f"edge [{i}, {j}] is a self-loop")
            if min(i, j) < 0:
                raise ValueError(f"edge [{i}, {j}]: vertex indices must be >= 0")
            if max(i, j) >= _MAX_REGISTER:  # before anything is sized from the index
                raise ValueError(
                    f"edge [{i}, {j}]: vertex indices must be < {_MAX_REGISTER} "
                    "(no register is larger)"
                )
            if n is not None and max(i, j) >= n:
                raise ValueError(f"edge [{i}, {j}] does not fit n_qubits = {n}")
        return edges

    @field_validator("fields")
    @classmethod
    def _check_fields(cls, fields: dict[int, float], info: ValidationInfo) -> dict[int, float]:
        n = info.data.get("n_qubits")
        for i in fields:
            if i < 0 or i >= (_MAX_REGISTER if n is None else n):
                raise ValueError(f"vertex {i} is outside the register")
        return fields

    def build(self) -> PauliHamiltonian:
        n = self.n_qubits
        if n is None:
            n = 1 + max([v for i, j, _ in self.edges for v in (i, j)] + list(self.fields))
        terms = [("ZZ", (i, j), w) for i, j, w in self.edges]
        terms += [("Z", (i,), h) for i, h in sorted(self.fields.items())]
        terms += [("X", (i,), -self.transverse_field) for i in range(n)]
        return PauliHamiltonian.from_terms(n, terms)


class PauliTermConfig(StrictModel):
    """One explicit term ``coeff * P`` with ``P`` = ``paulis[k]`` on ``qubits[k]``."""

    paulis: str = Field(pattern=r"^[XYZ]+$", description="Pauli letters, e.g. 'XZ'.")
    qubits: list[int] = Field(min_length=1, description="The qubit of each letter.")
    coeff: float = Field(description="Real coefficient (H stays Hermitian).")

    @model_validator(mode="after")
    def _check(self) -> PauliTermConfig:
        if len(self.paulis) != len(self.qubits):
            raise ValueError(f"{len(self.paulis)} Pauli letters but {len(self.qubits)} qubits")
        if len(set(self.qubits)) != len(self.qubits):
            raise ValueError(f"qubit listed twice in {self.qubits}")
        if min(self.qubits) < 0:
            raise ValueError("qubit indices must be >= 0")
        return self


class PauliConfig(_HamiltonianSection):
    """Explicit sum of Pauli strings with real coefficients."""

    kind: Literal["pauli"] = Field(description="Explicit Pauli terms.")
    n_qubits: int = Field(gt=0, le=_MAX_REGISTER, description="Register size n.")
    terms: list[PauliTermConfig] = Field(min_length=1, description="The terms of H.")

    @model_validator(mode="after")
    def _check_register(self) -> PauliConfig:
        for k, term in enumerate(self.terms):
            if max(term.qubits) >= self.n_qubits:
                raise ValueError(f"terms[{k}] names qubit {max(term.qubits)} >= n_qubits")
        return self

    def build(self) -> PauliHamiltonian:
        return PauliHamiltonian.from_terms(
            self.n_qubits, [(t.paulis, t.qubits, t.coeff) for t in self.terms]
        )


HamiltonianConfig = Annotated[TfimConfig | IsingConfig | PauliConfig, Field(discriminator="kind")]
