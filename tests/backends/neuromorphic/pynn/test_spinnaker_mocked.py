"""The SpiNNaker path with a mocked board: sPyNNaker's module replaced by ``mock_board``.

No SpiNNaker board (nor sPyNNaker) can be reached from here. What is real: the config, the
backend, and the driver that speaks PyNN's API (``pynn_driver``), run in this process
(``LocalSession``: the worker process only adds the transport NEST's tests exercise). What is
mocked: ``pyNN.spiNNaker`` and the board behind it, by a small simulation of PyNN's standard
IF_curr_delta written independently of the backends. That the driver's PyNN calls, units and
readback give NEST's spike trains on the stand-in checks the SpiNNaker path up to the board's
own arithmetic (fixed point on the chip, not modelled here).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from backends.neuromorphic.pynn import backend as pynn_backend
from backends.neuromorphic.pynn.backend import PynnBackend
from backends.neuromorphic.pynn.config import PYNN_PLUGIN, PynnConfig
from backends.neuromorphic.pynn.worker import LocalSession, Session
from orchestrator.contract.registry import ConformanceCase
from orchestrator.contract.spiking import NetworkSpec
from orchestrator.testing import SpikingBackendSuite
from tests.backends.neuromorphic.pynn import mock_board
from tests.backends.neuromorphic.pynn.networks import drives, network


@pytest.fixture
def mocked_board(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``pyNN.spiNNaker`` is the stand-in; the spinnaker driver runs in this process."""
    monkeypatch.setitem(sys.modules, "pyNN.spiNNaker", mock_board)
    real = pynn_backend.open_session

    def open_session(network: NetworkSpec, config: PynnConfig) -> Session:
        if config.pynn.simulator == "spinnaker":
            return LocalSession(network, config.pynn)
        return real(network, config)

    monkeypatch.setattr(pynn_backend, "open_session", open_session)
    mock_board.CALLS.clear()
    yield


def spinnaker(**options: object) -> PynnConfig:
    return PynnConfig.model_validate(
        {"kind": "pynn", "pynn": {"simulator": "spinnaker", **options}}
    )


@pytest.mark.usefixtures("mocked_board")
@pytest.mark.parametrize("mode", ["current", "kick"])
def test_spinnaker_path_mocked_board_gives_nests_spike_trains(mode: str) -> None:
    net = network(40, p=0.2, w=2.0, mixed=True, drive_mode=mode)
    inputs = drives(40, 8, low=-5.0 if mode == "kick" else 10.0)
    board = PynnBackend(spinnaker(), net)
    nest = PynnBackend(PynnConfig(kind="pynn"), net)
    try:
        spikes = 0
        for d in inputs:
            a, b = board.advance(d), nest.advance(d)
            np.testing.assert_array_equal(a.neurons, b.neurons)
            np.testing.assert_array_equal(a.times_ms, b.times_ms)
            np.testing.assert_allclose(a.voltages_mv, b.voltages_mv, rtol=0, atol=1e-9)
            spikes += len(a.neurons)
        np.testing.assert_array_equal(board.weights_mv(), net.weight_mv)
        assert spikes > 0 or mode == "kick"
        assert board.identity()["module"] == "pyNN.spiNNaker"
    finally:
        board.close()
        nest.close()


@pytest.mark.usefixtures("mocked_board")
def test_spinnaker_path_mocked_board_gets_the_board_options() -> None:
    net = network(12, p=0.3, refractory_ms=1.0, dt_ms=0.1, steps_per_tick=10)
    backend = PynnBackend(spinnaker(time_scale_factor=10, neurons_per_core=64), net)
    backend.advance(np.full(12, 30.0))
    backend.close()
    calls = dict(mock_board.CALLS)
    assert calls["setup"] == {"timestep": 0.1, "min_delay": 0.1, "time_scale_factor": 10}
    assert calls["neurons_per_core"] == ("IF_curr_delta", 64)
    assert mock_board.CALLS[-1] == ("end", None)
    assert backend.capabilities.hardware and not backend.capabilities.snapshot


MOCKED_BOARD = dataclasses.replace(
    PYNN_PLUGIN,
    conformance={
        "spinnaker-mocked-board": ConformanceCase(
            {"pynn": {"simulator": "spinnaker"}},
            refuses={
                "stdp": "stdp.enabled: the pynn backend runs static synapses only",
                "noise": "noise: the pynn backend has no noise current",
            },
        )
    },
)


class TestSpinnakerPathMockedBoardContract(SpikingBackendSuite):
    """The spiking contract on the SpiNNaker path, its board mocked (see the module)."""

    plugin = MOCKED_BOARD

    @pytest.fixture(autouse=True)
    def _board(self, mocked_board: None) -> None:
        return None
