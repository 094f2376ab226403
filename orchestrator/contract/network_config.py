"""The spiking network's own sections of a spiking backend's config (spec §3.2): recurrent
connectivity, STDP and a network read from a NIR file. ``SpikingBackendConfig``
(``orchestrator.contract.backend_config``) holds them as ``recurrent``, ``stdp`` and ``network``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from orchestrator.contract.strict import StrictModel

__all__ = ["MIN_TIME_MS", "NetworkSource", "RecurrentConfig", "StdpConfig"]

MIN_TIME_MS = 1e-3  # 1 us: the shortest integration step and time constant a config may set


class RecurrentConfig(StrictModel):
    """Random recurrent connectivity of the spiking network (spec §3.2, the w_ij).

    Exactly one of ``p`` (each ordered pair i != j independently, the default ``p: 0.1``) and
    ``k`` (a fixed in-degree: every neuron receives exactly k synapses from k distinct other
    neurons) draws the synapses; either way they are stored as (pre, post, weight) arrays, never
    as an N x N matrix (``orchestrator.run.assemble.draw_connectivity``).
    """

    p: float | None = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Connection probability i -> j, i != j (default 0.1 unless `k` is given).",
    )
    k: int | None = Field(
        None,
        ge=0,
        description=(
            "Fixed in-degree instead of `p`: each neuron gets k synapses from k distinct other "
            "neurons (needs k < neurons); give `p` or `k`, not both."
        ),
    )
    weight_mv: float = Field(
        0.5,
        description="Initial weight w_ij in mV: the jump of V_j when neuron i spikes.",
    )
    seed: int | None = Field(
        None, ge=0, description="Seed of the connectivity draw; default: derived from run.seed."
    )

    @model_validator(mode="before")
    @classmethod
    def _p_or_k(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or data.get("k") is None:
            return data
        if data.get("p") is not None:
            raise ValueError("give p (a probability) or k (an in-degree), not both")
        return {**data, "p": None}

    @model_validator(mode="after")
    def _one_of_p_or_k(self) -> RecurrentConfig:
        if self.p is None and self.k is None:
            raise ValueError("give p (a probability) or k (an in-degree)")
        return self

    OMITTED_AT: ClassVar[Mapping[str, Any]] = {"p": None, "k": None}  # as before k existed

    def expected_synapses(self, n_neurons: int) -> float:
        """The expected number of synapses among ``n_neurons`` (exact for ``k``)."""
        if self.k is not None:
            return float(self.k * n_neurons)
        return float(self.p or 0.0) * n_neurons * max(n_neurons - 1, 0)


class StdpConfig(StrictModel):
    """Pair-based STDP on the recurrent synapses (nearest-neighbour-free, all-to-all traces)."""

    enabled: bool = Field(False, description="Turn plasticity on.")
    rule: Literal["additive", "multiplicative"] = Field(
        "additive",
        description="additive: dw = A; multiplicative: dw scaled by (w_max - w) or w.",
    )
    tau_pre_ms: float = Field(
        20.0, ge=MIN_TIME_MS, description="Presynaptic trace time constant, ms."
    )
    tau_post_ms: float = Field(
        20.0, ge=MIN_TIME_MS, description="Postsynaptic trace time constant, ms."
    )
    a_plus: float = Field(
        0.01, ge=0, description="Potentiation per pre-before-post pair, fraction of w_max."
    )
    a_minus: float = Field(
        0.0105, ge=0, description="Depression per post-before-pre pair, fraction of w_max."
    )
    w_max_mv: float = Field(2.0, gt=0, description="Upper weight bound, mV; lower bound 0.")


class NetworkSource(StrictModel):
    """Where the spiking network comes from instead of the section's own fields (a NIR graph:
    ``orchestrator.contract.nir_graph`` says what maps)."""

    nir: Path = Field(
        description=(
            "A NIR graph file (LIF/CubaLIF neurons, Linear/Affine synapses). A relative path is "
            "taken from the current directory (where `qnf` runs), not from the config file's; "
            "the resolved config (config.yaml) records it absolute, with its sha256."
        )
    )
    sha256: str | None = Field(
        None,
        description=(
            "SHA-256 of the file; filled in when the config is validated, so a run's config "
            "pins the graph it ran (a changed file is refused on resume)."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _pin(cls, data: Any) -> Any:
        from orchestrator.contract.nir_graph import file_sha256

        if not isinstance(data, Mapping) or data.get("nir") is None:
            return data
        path = Path(str(data["nir"])).expanduser().resolve()
        digest = file_sha256(path)  # a regular file, bounded: NirRefused says what it is
        if data.get("sha256") not in (None, digest):
            raise ValueError(
                f"{path} has changed since this config was written (sha256 {digest}, "
                f"expected {data['sha256']})"
            )
        return {**data, "nir": path, "sha256": digest}
