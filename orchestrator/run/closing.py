"""Closing what a run holds open: its two backends, then whatever else (the rules' backends).

Every ``close`` runs even when one before it raised; the last error raised propagates, the
earlier ones chained as its ``__context__`` (what nested ``try``/``finally`` did at each of the
places that closed backends before issue 20: the loop, the runner, resume, assembly).
"""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.contract.quantum import QuantumBackend
from orchestrator.contract.spiking import SpikingBackend

__all__ = ["close_backends"]


def close_backends(
    spiking: SpikingBackend, quantum: QuantumBackend, *more: Callable[[], object]
) -> None:
    """Close ``spiking`` first (it may hold a simulation thread), then ``quantum``, then call
    each of ``more`` in order."""
    _close_in_order([spiking.close, quantum.close, *more])


def _close_in_order(closers: list[Callable[[], object]]) -> None:
    if not closers:
        return
    try:
        closers[0]()
    finally:
        _close_in_order(closers[1:])
