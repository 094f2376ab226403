"""``spiking.annealer``: the spiking network as an Ising / QUBO annealer (issue 21; design §20).

Present, the network is one stochastic binary neuron per variable of the problem instead of
the LIF population: couplings become synapses, fields become biases, and the noise follows a
temperature schedule over the run (``orchestrator.physics.annealing``). The problem is the
run's Hamiltonian (its Z and ZZ terms; a transverse field is the quantum side's) or, with
``qubo``, a QUBO given here. The same section runs on every backend that declares an annealer
implementation (``BackendPlugin.annealer``: Brian2, Lava's CPU simulator).

Units: membrane potentials, biases, synaptic weights and temperatures in mV; ``mv_per_unit``
(kappa) converts the problem's energy to mV, so a temperature T mV samples exp(-E / (T/kappa)).

The section model lives in ``contract/`` (it is part of what a spiking backend is configured
by, ``SpikingBackendConfig.annealer``); its checks against the rest of a run's config
(``annealer_problems``: the backend runs annealers, the mapping, the problem's size) are
``orchestrator.config.annealer``'s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from orchestrator.contract.strict import StrictModel

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MAX_QUBO_TERMS", "AnnealerConfig", "QuboConfig"]

MAX_QUBO_TERMS = 50_000_000  # entries of a QUBO file (1.2 GB as int64 pairs + float64)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class QuboConfig(StrictModel):
    """A QUBO f(x) = sum q x_i x_j over binary x (an entry with i = j is the linear q x_i).

    Give ``terms`` or ``file``. Translated to Ising exactly (``physics.ising.ising_from_qubo``:
    x = (1 - s)/2, J_ij = B_ij/4, h_i = -Q_ii/2 - sum_j B_ij/4, B_ij = Q_ij + Q_ji).
    """

    terms: list[tuple[int, int, float]] | None = Field(
        None, description="Entries [i, j, q]: adds q x_i x_j (i = j: q x_i); a pair twice adds up."
    )
    file: Path | None = Field(
        None,
        description=(
            "A file of entries instead: .npz from scipy.sparse.save_npz (any sparse format) or "
            ".npy of a dense square matrix; entry (i, j) adds Q_ij x_i x_j."
        ),
    )
    sha256: str | None = Field(
        None,
        description=(
            "SHA-256 of `file`; filled in when the config is validated, so a run's config pins "
            "the QUBO it ran (a changed file is refused on resume)."
        ),
    )
    variables: int | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description="Number of variables n; default: the largest index + 1.",
    )

    @model_validator(mode="before")
    @classmethod
    def _pin(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or data.get("file") is None:
            return data
        path = Path(str(data["file"])).expanduser().resolve()
        if not path.is_file():
            raise ValueError(f"file: no such file {path}")
        digest = _file_sha256(path)
        if data.get("sha256") not in (None, digest):
            raise ValueError(
                f"file: {path} has changed since this config was written (sha256 {digest}, "
                f"expected {data['sha256']})"
            )
        return {**data, "file": path, "sha256": digest}

    @model_validator(mode="after")
    def _one_source(self) -> QuboConfig:
        if (self.terms is None) == (self.file is None):
            raise ValueError("give terms (a list of [i, j, q]) or file, not both or neither")
        if self.terms is not None and not self.terms:
            raise ValueError("terms: at least one entry")
        for i, j, _ in self.terms or ():
            if min(i, j) < 0:
                raise ValueError(f"terms: entry [{i}, {j}] has a negative index")
            if self.variables is not None and max(i, j) >= self.variables:
                raise ValueError(
                    f"terms: entry [{i}, {j}] does not fit variables = {self.variables}"
                )
        return self

    def entries(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """(n, i, j, q) of the QUBO; ``ValueError`` for a file that does not hold one."""
        import numpy as np  # here: a config without a QUBO is validated without numpy

        if self.terms is not None:
            arr = np.array(self.terms, dtype=np.float64).reshape(-1, 3)
            i, j, q = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2]
        else:
            i, j, q = _read_qubo_file(self.file)  # type: ignore[arg-type]
        largest = int(max(i.max(initial=-1), j.max(initial=-1))) + 1
        n = self.variables if self.variables is not None else largest
        if largest > n:
            raise ValueError(f"file: an entry names variable {largest - 1} >= variables = {n}")
        if n < 1:
            raise ValueError("file: the QUBO has no entry")
        if not np.all(np.isfinite(q)):
            raise ValueError("a QUBO entry is not finite")
        return n, i, j, q


def _read_qubo_file(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import numpy as np
    import scipy.sparse as sp

    try:
        if path.suffix == ".npz":
            coo = sp.load_npz(path).tocoo()
            if coo.nnz > MAX_QUBO_TERMS:
                raise ValueError(f"file: {coo.nnz} entries, more than {MAX_QUBO_TERMS}")
            rows, cols, values = coo.row, coo.col, coo.data
        elif path.suffix == ".npy":
            dense = np.load(path, allow_pickle=False)
            if dense.ndim != 2 or dense.shape[0] != dense.shape[1]:
                raise ValueError(f"file: a QUBO matrix is square, got shape {dense.shape}")
            rows, cols = np.nonzero(dense)
            values = dense[rows, cols]
        else:
            raise ValueError(f"file: {path.name}: use .npz (scipy.sparse.save_npz) or .npy")
    except (OSError, KeyError) as exc:
        raise ValueError(f"file: cannot read {path}: {exc}") from None
    return rows.astype(np.int64), cols.astype(np.int64), np.asarray(values, dtype=np.float64)


class AnnealerConfig(StrictModel):
    """One stochastic neuron per binary variable, annealed over the run (module docstring)."""

    qubo: QuboConfig | None = Field(
        None,
        description=(
            "Anneal this QUBO; absent: the run's Hamiltonian, its Z and ZZ terms (Z_k "
            "eigenvalue 1 - 2 x_k; terms with X or Y are the quantum side's)."
        ),
    )
    mv_per_unit: float = Field(
        1.0,
        gt=0,
        description=(
            "kappa, mV per unit of the problem's energy: bias b_k = 2 kappa (h_k + sum_j J_kj), "
            "synapse W_kj = -4 kappa J_kj; a temperature T mV is T / kappa in energy units."
        ),
    )
    t0_mv: float | None = Field(
        None,
        gt=0,
        description=(
            "Temperature at the first sweep, mV (the logistic noise scale: a neuron fires with "
            "probability 1 / (1 + exp(-u / T))); default: dwave-samplers' hot end, 2 kappa "
            "max_k (|h_k| + sum_j |J_kj|) / ln 2."
        ),
    )
    t1_mv: float | None = Field(
        None,
        gt=0,
        description=(
            "Temperature at the run's last sweep and after, mV; default: dwave-samplers' cold "
            "end, 2 kappa m / ln(N_m / 0.01) (m the smallest nonzero |h| or |J|, N_m the spins "
            "where it occurs). Equal to t0_mv: a fixed temperature (sampling)."
        ),
    )
    schedule: Literal["geometric", "linear"] = Field(
        "geometric",
        description=(
            "T over the run's sweeps: geometric (T0 (T1/T0)^(s/(S-1)), as dwave-samplers' "
            "default) or linear. A sweep is C steps of dt_ms (C colour classes, one per step)."
        ),
    )
    seed: int | None = Field(
        None, ge=0, description="Seed of the noise and the initial state; default: from run.seed."
    )
