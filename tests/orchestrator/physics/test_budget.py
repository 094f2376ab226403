"""The tick budget record (issue 22): counts read off a batch's sample arrays."""

from __future__ import annotations

import numpy as np

from orchestrator.physics.budget import TickBudget, basis_label, circuits_of, shots_of


def _samples(shots: int, bases: int, n: int = 3) -> tuple[np.ndarray, ...]:
    return tuple(np.zeros((shots, n), dtype=np.uint8) for _ in range(bases))


def test_shots_are_counted_per_basis_over_every_request() -> None:
    bases = ("ZZZ", "XXX", "YYY")
    batch = [_samples(64, 3), _samples(64, 3)]
    assert shots_of(bases, batch) == {"z": 128, "x": 128, "y": 128}
    assert circuits_of(bases, batch) == 6


def test_a_statevector_request_is_one_circuit_and_no_shots() -> None:
    assert shots_of(("ZZ",), [()]) == {}
    assert circuits_of(("ZZ", "XX"), [(), ()]) == 2


def test_mixed_bases_keep_their_own_label() -> None:
    assert basis_label("ZZZZ") == "z"
    assert basis_label("XZXZ") == "xzxz"


def test_budgets_add_up() -> None:
    a = TickBudget({"z": 5}, 1, spike_readings=1)
    a.add(TickBudget({"z": 2, "x": 3}, 2, neuron_updates=7, evaluations=4))
    assert a.as_fields() == {
        "shots": {"x": 3, "z": 7},
        "circuits": 3,
        "spike_readings": 1,
        "neuron_updates": 7,
        "evaluations": 4,
    }
