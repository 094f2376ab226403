"""The FusionLoop's stages, one by one, with scripted backends and answers worked by hand.

The quantum backend returns a chosen state vector (exact path: Bloch vectors, psi, H_coh are
read from it), the spiking backend a chosen spike window; what each stage makes of them is
computed here from the spec's formulas by hand, not by calling the loop's own helpers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import final

import numpy as np
import pytest

from orchestrator.config import load_config
from orchestrator.contract.quantum import QuantumBackend, QuantumResult, RequestResult
from orchestrator.contract.spiking import SpikingBackend
from orchestrator.physics.tick_io import QuantumRequest, SpikeWindow
from orchestrator.run.assemble import build_network, build_program
from orchestrator.run.loop import FusionLoop
from orchestrator.run.rules import control_rules
from tests.paths import ASSETS

PLUS2 = np.full(4, 0.5, dtype=complex)  # |+>|+>: the Z distribution is uniform


@final
class ScriptedQuantum(QuantumBackend):
    """Returns ``state`` whatever is asked (exact path), and remembers the requests."""

    state = PLUS2

    def __init__(self, config, program) -> None:
        super().__init__(config, program)
        self.asked: list[QuantumRequest] = []

    def execute(self, requests: Sequence[QuantumRequest], seed: int) -> QuantumResult:
        self.asked.extend(requests)
        empty = tuple(np.zeros((1, 2), dtype=np.uint8) for _ in self.program.bases)
        return QuantumResult(tuple(RequestResult(empty, self.state.copy()) for _ in requests))


@final
class ScriptedSpikes(SpikingBackend):
    """Neuron 0 spikes at 2.5 ms of every 10 ms window; remembers the drives."""

    def __init__(self, config, network) -> None:
        super().__init__(config, network)
        self.drives: list[np.ndarray] = []

    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        k = len(self.drives)
        self.drives.append(np.array(drive_mv))
        n = self.network.n_neurons
        return SpikeWindow(10.0 * k, np.array([0]), np.array([2.5]), np.zeros(n))


def _loop(**overrides) -> FusionLoop:
    cfg = load_config(
        ASSETS / "small.yaml",
        {
            "hamiltonian": {"kind": "tfim", "n_qubits": 2, "j": 1.0, "h": 0.5},
            "quantum.aer.method": "statevector",
            "spiking.neurons": 4,
            "spiking.tick_ms": 10.0,
            "spiking.refractory_ms": 2.0,
            "pci": {"alpha": 40.0, "beta": 20.0, "gamma": 0.5, "drive_offset_mv": 15.0},
            **overrides,
        },
    )
    quantum = ScriptedQuantum(cfg.quantum, build_program(cfg))
    spiking = ScriptedSpikes(cfg.spiking, build_network(cfg))
    return FusionLoop(cfg, quantum, spiking, control_rules(cfg, quantum))


def test_measure_reads_the_plus_state() -> None:
    """|+>|+>: Bloch (1, 0, 0) per qubit, psi = 1/2, H_coh = 2 ln 2 (normalised 1)."""
    loop = _loop()
    reading = loop.measure(loop.next.preparation)
    np.testing.assert_allclose(reading.bloch, [[1, 0, 0], [1, 0, 0]], atol=1e-15)
    np.testing.assert_allclose(reading.psi, [0.5, 0.5], atol=1e-15)
    assert reading.entropy.used == pytest.approx(2 * math.log(2))
    assert reading.entropy.normalised == pytest.approx(1.0)
    # <H> of the TFIM chain -J Z0 Z1 - h (X0 + X1) on |+>|+>: -2 h = -1
    assert reading.fusion_energy == pytest.approx(-1.0)


def test_forward_drives_each_neuron_from_its_qubit() -> None:
    """Neuron k couples to qubit k mod 2: I = 15 + 40 Re psi + 20 Im psi."""
    loop = _loop()
    psi = np.array([0.5, -0.25 + 0.5j])
    drive = loop.forward(psi, loop.coupling)
    np.testing.assert_allclose(drive, [35.0, 15.0, 35.0, 15.0])


def test_backward_phasor_of_one_spike_per_window() -> None:
    """One spike at 2.5 ms of a 10 ms window, t_ref = 2 ms: N_cap = 5, F_0 = e^{-i pi/2}/10;
    channel 0 holds neurons 0 and 2 (mean F_0 / 2), channel 1 none."""
    loop = _loop()
    quantum = loop.measure(loop.next.preparation)
    window = SpikeWindow(0.0, np.array([0]), np.array([2.5]), np.zeros(4))
    reading = loop.backward(quantum, np.zeros(4), window, 0.0)
    np.testing.assert_allclose(reading.phasors, [-0.05j, 0.0], atol=1e-15)
    # psi phase 0, F phase -pi/2: one channel with both phases, |d| = pi/2 >= pi/4
    assert reading.phases.violations == 1 and reading.phases.silent == 1


def test_propose_prepares_psi_plus_gamma_f() -> None:
    """Qubit 0: psi + gamma F = 1/2 - 0.025 i; the prepared qubit's rho_10 equals it."""
    loop = _loop()
    quantum = loop.measure(loop.next.preparation)
    prep = loop.propose(quantum, np.array([-0.05j, 0.0]), 0.5)
    target = 0.5 - 0.025j
    # longer than 1/2: the pure state of largest coherence (theta = pi/2) at its phase
    assert prep.theta[0] == pytest.approx(math.pi / 2)
    assert prep.phi[0] == pytest.approx(np.angle(target))
    assert prep.theta[1] == pytest.approx(math.pi / 2) and prep.phi[1] == 0.0


def test_ace_fires_inside_a_run_on_the_maximally_coherent_start() -> None:
    """The |+> start has H_coh / (n ln 2) = 1 > max_entropy 0.9: after tick 0 the next tick
    runs with alpha * 1.1 and gamma * 0.9 (ace defaults), and tick 1's drive shows it."""
    loop = _loop()
    first = loop.step()
    assert first.fields["ace_triggered"] is True
    assert first.coupling.alpha == 40.0 and first.coupling.gamma == 0.5
    assert loop.coupling.alpha == pytest.approx(44.0)
    assert loop.coupling.gamma == pytest.approx(0.45)
    assert loop.coupling.beta == 20.0
    loop.step()
    drive = loop.spiking.drives[1]
    # the scripted backend returns |+>|+> again: psi = 1/2 on both qubits
    assert drive[0] == pytest.approx(15.0 + 44.0 * 0.5)


def test_ace_stays_quiet_under_its_threshold() -> None:
    loop = _loop(**{"ace": {"max_entropy": 1.0}})
    record = loop.step()
    assert record.fields["ace_triggered"] is False
    assert (loop.coupling.alpha, loop.coupling.gamma) == (40.0, 0.5)


@pytest.mark.parametrize(("factor", "gamma"), [(0.5, 0.25), (1e-6, 0.0), (100.0, 1.0)])
def test_decouple_scales_gamma_within_the_ace_bounds(factor: float, gamma: float) -> None:
    """Default ace.gamma_bounds = (0, 1): 0.5 x 0.5; a tiny factor; a large one clipped."""
    loop = _loop(**{"ace": {"max_entropy": 1.0, "gamma_bounds": [0.0, 1.0]}})
    loop.decouple(factor)
    assert loop.coupling.gamma == pytest.approx(gamma, abs=1e-6)
    assert loop.coupling.alpha == 40.0


def test_amplitude_mapping_drive_ignores_the_simulator_global_phase() -> None:
    """The same state with another global phase gives the same drive (pci.fix_gauge)."""
    drives = []
    for chi in (0.0, 2.1):
        loop = _loop(**{"pci.mapping": "amplitude", "spiking.neurons": None})
        loop.quantum.state = np.exp(1j * chi) * np.array([0.6, 0.0, 0.48j, 0.64])
        loop.step()
        drives.append(loop.spiking.drives[0])
    np.testing.assert_allclose(drives[0], drives[1], atol=1e-12)
