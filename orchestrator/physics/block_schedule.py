"""The row-sum schedule of the block-wise statevector estimators (spec §6; design §6).

``orchestrator.physics.statevector`` walks a state vector of 2^n amplitudes in blocks of 2^c;
for <psi|H|psi> every row i of a block needs sum_m H_m(i) psi_{i XOR m} over the flip masks m
of H's terms, added in ascending order of i XOR m (the order that fixes the bits of the sum,
whatever the BLAS kernel or thread count). This module computes, once per Hamiltonian, which
additions do that with few numpy calls: each ``Add`` adds one mask's contribution to the rows
whose bits select it, reading the flipped amplitudes as a view (a reversed axis per flipped low
bit). Pure index arithmetic: no numpy arrays are built here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

__all__ = ["Add", "Term", "parity", "schedule"]


@dataclass(frozen=True)
class Term:
    """One term seen from a block: flip mask, split into low (in-block) and high bits."""

    coeff: float  # c_t times the sign of (-i)^{n_Y}
    imaginary: bool  # (-i)^{n_Y} is imaginary (n_Y odd)
    z_low: int
    z_high: int


@dataclass(frozen=True)
class Add:
    """One step of the row sums: add H_m(i) psi_{i XOR m}, m = ``mask``, to the rows i whose
    low bits match ``rows`` (0 / 1 / slice over the axes of the block reshaped to ``shape``)
    and whose high bits satisfy ``high`` ((bit, value) pairs, checked once per block);
    ``source`` picks the amplitudes i XOR m of those rows (a flipped value or a reversed axis
    for each low bit of m) from block h XOR (m >> c)."""

    mask: int
    shape: tuple[int, ...]
    rows: tuple[int | slice, ...]
    source: tuple[int | slice, ...]
    high: tuple[tuple[int, int], ...]


def parity(x: int) -> int:
    return bin(x).count("1") & 1


def schedule(masks: list[int], c: int) -> list[Add]:
    """The additions that give every row its masks in ascending order of i XOR mask."""
    out: list[Add] = []

    def walk(group: list[int], conds: tuple[tuple[int, int], ...]) -> None:
        if len(group) == 1:
            out.append(add_step(group[0], conds, c))
            return
        spread = reduce(lambda a, b: a | b, (m ^ group[0] for m in group))
        b = spread.bit_length() - 1
        zero = [m for m in group if not (m >> b) & 1]
        one = [m for m in group if (m >> b) & 1]
        # rows with bit b = 0 take `zero` first; rows with bit b = 1 take `one` first
        if len(one) <= len(zero):
            walk(one, (*conds, (b, 1)))
            walk(zero, conds)
            walk(one, (*conds, (b, 0)))
        else:
            walk(zero, (*conds, (b, 0)))
            walk(one, conds)
            walk(zero, (*conds, (b, 1)))

    walk(sorted(masks), ())
    return out


def layout(c: int, bits: Sequence[int]) -> tuple[tuple[int, ...], dict[int, int]]:
    """A block of 2^c amplitudes reshaped so that each bit in ``bits`` is an axis of its own
    and the bits between them are merged (few axes, long contiguous runs: fast in numpy).
    Returns (shape, axis of each bit in ``bits``)."""
    shape: list[int] = []
    axes: dict[int, int] = {}
    top = c
    for b in sorted(set(bits), reverse=True):
        if top - b - 1:
            shape.append(1 << (top - b - 1))
        axes[b] = len(shape)
        shape.append(2)
        top = b
    if top:
        shape.append(1 << top)
    return tuple(shape), axes


def add_step(mask: int, conds: tuple[tuple[int, int], ...], c: int) -> Add:
    low = dict((bit, value) for bit, value in conds if bit < c)
    flips = [b for b in range(c) if (mask >> b) & 1]
    shape, axes = layout(c, [*low, *flips])
    rows: list[int | slice] = [slice(None)] * len(shape)
    source: list[int | slice] = [slice(None)] * len(shape)
    for bit, value in low.items():
        rows[axes[bit]] = value
        source[axes[bit]] = value
    for bit in flips:  # row i reads amplitude i XOR mask
        if bit in low:
            source[axes[bit]] = 1 - low[bit]
        else:
            source[axes[bit]] = slice(None, None, -1)
    high = tuple((bit - c, value) for bit, value in conds if bit >= c)
    # a trailing Ellipsis keeps a fully indexed selection a (0-d) view, never a scalar copy
    return Add(mask, shape, (*rows, Ellipsis), (*source, Ellipsis), high)
