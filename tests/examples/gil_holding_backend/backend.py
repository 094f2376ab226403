"""``gil_holding_aer_test``: hold the GIL for ``hold_s`` seconds, then run Aer (config.py).

The hold is one call of libc's ``nanosleep`` through ``ctypes.PyDLL``, which, unlike
``ctypes.CDLL``, keeps the GIL for the whole call: no other thread of the process runs Python
meanwhile, as while Aer simulates a large register. The shots come from the real Aer backend.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import final

from backends.quantum.aer.backend import AerBackend
from backends.quantum.aer.config import AerConfig
from orchestrator.contract.quantum import QuantumBackend, QuantumProgram, QuantumResult
from orchestrator.physics.tick_io import QuantumRequest
from tests.examples.gil_holding_backend.config import GilHoldingAerConfig

__all__ = ["GilHoldingAerBackend", "hold_gil"]


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


_nanosleep = ctypes.PyDLL(None).nanosleep  # PyDLL: the GIL stays held during the call
_nanosleep.argtypes = [ctypes.POINTER(_Timespec), ctypes.POINTER(_Timespec)]


def hold_gil(seconds: float) -> None:
    """Sleep ``seconds`` without releasing the GIL (one C call)."""
    whole = int(seconds)
    _nanosleep(ctypes.byref(_Timespec(whole, int((seconds - whole) * 1e9))), None)


@final
class GilHoldingAerBackend(QuantumBackend):
    """Aer shots behind a GIL-holding stretch per call (module docstring)."""

    def __init__(self, config: GilHoldingAerConfig, program: QuantumProgram) -> None:
        super().__init__(config, program)
        self.hold_s = config.hold_s
        self.aer = AerBackend(AerConfig(kind="aer", shots=config.shots, seed=config.seed), program)

    def execute(self, requests: Sequence[QuantumRequest], seed: int) -> QuantumResult:
        hold_gil(self.hold_s)
        return self.aer.execute(requests, seed)

    def close(self) -> None:
        self.aer.close()
