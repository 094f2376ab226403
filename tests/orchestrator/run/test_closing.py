"""One helper closes a run's backends (issue 20 item 5): spiking first, every close runs even
when one before it raised, and the last error propagates with the earlier as its context.
Stand-ins for backends: only their ``close`` is called."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.run.closing import close_backends


class _Held:
    def __init__(self, name: str, calls: list[str], error: Exception | None = None) -> None:
        self.name, self.calls, self.error = name, calls, error

    def close(self) -> None:
        self.calls.append(self.name)
        if self.error is not None:
            raise self.error


def test_spiking_then_quantum_then_the_rest_in_order() -> None:
    calls: list[str] = []
    spiking: Any = _Held("spiking", calls)
    quantum: Any = _Held("quantum", calls)
    close_backends(spiking, quantum, _Held("rule a", calls).close, _Held("rule b", calls).close)
    assert calls == ["spiking", "quantum", "rule a", "rule b"]


def test_every_close_runs_when_one_raises_and_the_last_error_propagates() -> None:
    calls: list[str] = []
    first, last = RuntimeError("spiking failed"), OSError("rule failed")
    spiking: Any = _Held("spiking", calls, first)
    quantum: Any = _Held("quantum", calls)
    with pytest.raises(OSError) as caught:
        close_backends(spiking, quantum, _Held("rule", calls, last).close, _Held("b", calls).close)
    assert calls == ["spiking", "quantum", "rule", "b"]
    assert caught.value is last and caught.value.__context__ is first
