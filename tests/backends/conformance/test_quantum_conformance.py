"""The contract every registered quantum backend must meet (``orchestrator.backend_api``).

Parametrised over ``plugins("quantum")``; a backend is skipped only when its SDK is missing.
Each backend runs with the options that let it run here (``OPTIONS``): the ``ibm`` backend on
a device snapshot (the same code path as a device, offline).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from orchestrator.backend_api import QuantumBackend, QuantumProgram, QuantumRequest
from orchestrator.hamiltonian import PauliHamiltonian
from orchestrator.registry import plugins

OPTIONS: dict[str, dict[str, Any]] = {"ibm": {"device": "fake_manila"}}
N = 3
ZZ = PauliHamiltonian.from_terms(N, [("ZZ", (0, 1), 0.7), ("ZZ", (1, 2), -0.4)])
TFIM = PauliHamiltonian.from_terms(
    N, [("ZZ", (0, 1), -1.0), ("ZZ", (1, 2), -1.0)] + [("X", (q,), -0.8) for q in range(N)]
)
BASES = ("ZZZ", "XXX", "YYY", "XZY")

Build = Callable[..., QuantumBackend]


@pytest.fixture(params=sorted(plugins("quantum")))
def build(request: pytest.FixtureRequest) -> Iterator[Build]:
    """``build(h, shots)``: a backend of this kind for a 3-qubit program, closed after."""
    kind = request.param
    plugin = plugins("quantum")[kind]
    gone = plugin.missing()
    if gone:
        pytest.skip(f"quantum backend '{kind}' needs {', '.join(gone)}: {plugin.install}")
    cls = plugin.load()
    made: list[QuantumBackend] = []

    def _build(h: PauliHamiltonian, shots: int = 256) -> QuantumBackend:
        config = plugin.config.model_validate(
            {"kind": kind, "shots": shots, **OPTIONS.get(kind, {})}
        )
        program = QuantumProgram(h, 0.3, 2, 1, True, BASES, ticks=3)
        made.append(cls(config, program))
        return made[-1]

    yield _build
    for backend in made:
        backend.close()


def test_samples_are_bits_per_basis_with_column_q_qubit_q(build: Build) -> None:
    backend = build(ZZ, shots=200)
    theta = np.array([np.pi, 0.0, np.pi])  # a diagonal H keeps |q0=1, q1=0, q2=1>
    result = backend.execute(QuantumRequest(seed=3, theta=theta, phi=np.zeros(N)))
    assert len(result.samples) == len(BASES)
    for samples in result.samples:
        assert samples.shape == (200, N) and samples.dtype == np.uint8
        assert set(np.unique(samples)) <= {0, 1}
    z = result.samples[0]
    assert np.array_equal(np.round(z.mean(axis=0)), [1, 0, 1])
    assert isinstance(result.job_ids, tuple) and isinstance(result.attempts, tuple)
    assert result.usage_seconds is None or result.usage_seconds >= 0
    assert result.readout is None or len(result.readout) == len(BASES)


def test_the_seed_reproduces_a_tick_and_nothing_carries_over(build: Build) -> None:
    backend = build(TFIM)
    theta, phi = np.array([0.4, 1.1, 2.0]), np.array([0.3, 0.0, 1.7])
    first = backend.execute(QuantumRequest(seed=11, theta=theta, phi=phi))
    backend.execute(QuantumRequest(seed=12, theta=theta[::-1], phi=phi))
    again = backend.execute(QuantumRequest(seed=11, theta=theta, phi=phi))
    for a, b in zip(first.samples, again.samples):
        np.testing.assert_array_equal(a, b)


def test_identity_is_strings_and_close_is_idempotent(build: Build) -> None:
    backend = build(ZZ, shots=16)
    identity = backend.identity()
    assert identity["kind"] == backend.config.kind and identity["version"]
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in identity.items())
    backend.close()
    backend.close()
