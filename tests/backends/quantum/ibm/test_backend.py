"""IbmBackend on device snapshots through the runtime's local testing mode (no mock).

The noiseless answer is independent of the device path: exp(-i H t) of the sparse matrix
applied to the product state (scipy), whose Trotter error at these settings (Suzuki-2, 2 steps,
t = 0.3) is 5e-3 in a Bloch component, below the effects measured here.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.transpiler import PassManager
from scipy.sparse.linalg import expm_multiply

from backends.quantum.common import trotter
from backends.quantum.ibm.backend import IbmBackend
from backends.quantum.ibm.config import IBM_PLUGIN, IbmConfig
from orchestrator.contract.quantum import QuantumProgram
from orchestrator.physics import measurement
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.tick_io import QuantumRequest
from tests.backends.quantum.common.test_trotter import product_state
from tests.backends.quantum.one import one

BASES = ("ZZZ", "XXX", "YYY")
THETA = np.array([0.2, 1.3, 2.9])
PHI = np.array([0.4, 1.0, 2.2])
T = 0.3


def tfim(n: int = 3) -> PauliHamiltonian:
    zz = [("ZZ", (i, i + 1), -1.0) for i in range(n - 1)]
    return PauliHamiltonian.from_terms(n, zz + [("X", (i,), -0.8) for i in range(n)])


def make(shots: int = 256, h: PauliHamiltonian | None = None, **options: object) -> IbmBackend:
    program = QuantumProgram(tfim() if h is None else h, T, 2, 2, True, BASES, ticks=4)
    config = IbmConfig.model_validate(
        {"kind": "ibm", "device": "fake_sherbrooke", "shots": shots, **options}
    )
    return IbmBackend(config, program)


def marginal_tvd(bloch: np.ndarray, exact: np.ndarray) -> float:
    """Mean over qubits and X/Y/Z of the TVD of the single-qubit outcome distribution,
    (1 +- r)/2 against (1 +- r')/2, i.e. |r - r'| / 2."""
    return float(np.mean(np.abs(bloch - exact)) / 2)


def test_column_q_is_logical_qubit_q_whatever_the_layout() -> None:
    # qubits 13, 12, 11 in reverse order, and a coupling that needs routing on heavy-hex
    h = PauliHamiltonian.from_terms(3, [("ZZ", (0, 2), 0.5), ("ZZ", (0, 1), 0.5)])
    backend = make(shots=400, h=h, initial_layout=[13, 12, 11])
    theta = np.array([np.pi, 0.0, np.pi])  # diagonal H keeps |101>
    result = one(backend, 2, QuantumRequest(theta=theta, phi=np.zeros(3)))
    z = result.samples[0]
    assert z.shape == (400, 3) and z.dtype == np.uint8
    assert np.array_equal(np.round(z.mean(axis=0)), [1, 0, 1])
    # routing moved the qubits (logical 0 was measured elsewhere than 13): bits stay logical
    physical = backend.identity()["physical_qubits"].split(",")
    assert sorted(physical) == ["11", "12", "13"] and physical != ["0", "1", "2"]
    backend.close()
    with pytest.raises(RuntimeError, match="open"):  # nothing runs on a closed backend
        one(backend, 3, QuantumRequest(theta=theta, phi=np.zeros(3)))
    backend.close()  # and closing it again is harmless
    with pytest.raises(RuntimeError, match="open"):
        one(backend, 3, QuantumRequest(theta=theta, phi=np.zeros(3)))


def test_same_seed_same_samples_no_transpiling_per_tick(monkeypatch) -> None:
    calls = {"presets": 0}
    real_preset = trotter.generate_preset_pass_manager

    def counting_preset(*args: object, **kwargs: object) -> PassManager:
        calls["presets"] += 1
        return real_preset(*args, **kwargs)

    monkeypatch.setattr(trotter, "generate_preset_pass_manager", counting_preset)
    monkeypatch.setattr(trotter, "transpile", None)  # the simulator path is not used here
    backend = make(resilience={"readout": "calibrated"})
    assert calls["presets"] == 2  # the tick's circuits and the calibration pair, once
    calls["presets"] = 0
    request = QuantumRequest(theta=THETA, phi=PHI)
    first = one(backend, 7, request)
    one(backend, 8, QuantumRequest(theta=THETA + 0.1, phi=PHI))
    again = one(backend, 7, request)
    other = one(backend, 9, QuantumRequest(theta=THETA, phi=PHI))
    assert calls["presets"] == 0
    for a, b in zip(first.samples, again.samples):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first.samples, other.samples))
    assert len(first.job_ids) == 1 and first.job_ids != again.job_ids  # ids never repeat
    assert first.attempts[0]["attempt"] == 1 and first.attempts[0]["error"] is None
    assert first.usage_seconds is None  # snapshots cost nothing
    identity = {**IBM_PLUGIN.identity(), **backend.identity()}
    assert identity["device"] == "fake_sherbrooke" and identity["mode"] == "local"
    assert identity["package"] == "qiskit-ibm-runtime"


@pytest.mark.parametrize("mitigation", ["calibrated", "twirled"])
def test_noisy_bloch_vectors_and_readout_mitigation_against_the_noiseless_answer(
    mitigation: str,
) -> None:
    exact_state = expm_multiply(-1j * T * tfim().to_sparse(), product_state(THETA, PHI))
    exact = measurement.bloch_exact(exact_state, 3)
    backend = make(shots=8192, resilience={"readout": mitigation})
    result = one(backend, 1, QuantumRequest(theta=THETA, phi=PHI))
    assert result.readout is not None and len(result.readout) == len(BASES)
    rates = result.readout[0]
    assert rates.shape == (3, 2) and np.all((rates > 0.001) & (rates < 0.1))
    raw = measurement.bloch_from_samples(result.samples)
    mitigated = measurement.bloch_from_samples(result.samples, result.readout)
    floor = 0.5 / np.sqrt(8192)  # ~TVD of a noiseless sampler at these shots (0.0048 measured)
    tvd_raw, tvd_mitigated = marginal_tvd(raw, exact), marginal_tvd(mitigated, exact)
    # measured here: calibrated 0.0326 -> 0.0263, twirled 0.0348 -> 0.0277 (seed 1)
    assert tvd_raw > 4 * floor  # the device noise is real
    assert tvd_mitigated < 0.9 * tvd_raw  # and mitigation removes a good part of it
    # it is the readout part it removes: <Z> of the near-|0> and near-|1> qubits
    z_raw, z_fixed = np.abs(raw - exact)[:, 2], np.abs(mitigated - exact)[:, 2]
    assert z_fixed[0] < z_raw[0] and z_fixed[2] < z_raw[2]
    # the rates in force stay until the next calibration (calibrate_every: 10)
    later = one(backend, 2, QuantumRequest(theta=THETA, phi=PHI))
    assert later.readout is not None and np.array_equal(later.readout[0], rates)


def test_amplitude_preparation_is_refused() -> None:
    program = QuantumProgram(tfim(), T, 2, 2, True, BASES, preparation="amplitudes")
    with pytest.raises(ValueError, match="product states only"):
        IbmBackend(IbmConfig(kind="ibm", device="fake_manila"), program)
