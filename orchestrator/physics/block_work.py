"""One thread's work arrays over a block of a state vector, and the copies that fill them.

Split from ``orchestrator.physics.statevector`` (design §15, §31), whose estimator walks 2^n
amplitudes in blocks of 2^c; each thread reuses one ``BlockWork`` for every block it takes.

Short runs (issue 25). A step or a half whose rows are selected by a low bit q < 5 comes in
contiguous runs of 2^q amplitudes, and numpy's loops pay a call per run; those rows are
gathered into contiguous arrays (each run copied as one opaque item), the step's elementwise
product and sum done there, and the rows scattered back: copies and the same elementwise
operations on the same values, so the same bits.
"""

from __future__ import annotations

import os
from typing import final

import numpy as np

__all__ = ["SHORT_RUN", "BlockWork", "copy_runs", "gather", "short_runs"]

SHORT_RUN = 32
"""Strided views whose contiguous runs are shorter than this (a bit below 5 selects them) are
copied run by run as single items (measured 2 to 5 x faster than numpy's per-run loop)."""


@final
class BlockWork:
    """One thread's work arrays over a block of 2^c amplitudes (reused, no allocation per step)."""

    def __init__(self, c: int) -> None:
        self.acc = np.zeros(1 << c, dtype=np.complex128)
        self.scratch = np.empty(1 << c, dtype=np.complex128)
        self.rows = np.empty(1 << c, dtype=np.complex128)  # gathered rows of a step
        self.source = np.empty(1 << c, dtype=np.complex128)  # gathered amplitudes of a step
        self.sq = np.empty(2 << c)  # products of interleaved (re, im) pairs
        self.half = np.empty((2, 1 << (c - 1)), dtype=np.complex128)  # the two halves of a q
        self.half_pairs = self.half.view(np.float64).reshape(2, -1, 2)
        self.p = np.empty(1 << c)


def short_runs(view: np.ndarray) -> bool:
    """A strided view in contiguous runs of fewer than ``SHORT_RUN`` complex amplitudes."""
    return (
        view.ndim > 1
        and view.shape[-1] < SHORT_RUN
        and view.strides[-1] == view.itemsize
        and not view.flags.c_contiguous
    )


def copy_runs(to: np.ndarray, source: np.ndarray) -> None:
    """``np.copyto(to, source)`` for arrays of one shape whose last axes are contiguous: each
    run of the last axis copied as one opaque item (numpy loops once per run otherwise)."""
    if source.strides[-1] != source.itemsize or to.strides[-1] != to.itemsize:
        np.copyto(to, source)  # a reversed or strided last axis: numpy's own loop
        return
    run = np.dtype((np.void, source.shape[-1] * source.itemsize))
    np.copyto(to.view(run), source.view(run))


def gather(view: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    """``view``'s values in a contiguous array of its shape (the start of ``buffer``)."""
    out = buffer[: view.size].reshape(view.shape)
    copy_runs(out, view)
    return out


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask; ``os.cpu_count()`` where unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
