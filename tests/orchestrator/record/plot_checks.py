"""What every plot must say about itself (issue 24): units on every axis, a legend entry for
every series. Checked on matplotlib objects, not pixels."""

from __future__ import annotations

import re

from matplotlib.collections import Collection
from matplotlib.container import BarContainer, ErrorbarContainer

UNIT = re.compile(r"\(.+\)")


def _legend_texts(ax) -> set[str]:
    found = set()
    for a in [ax, *ax.get_shared_x_axes().get_siblings(ax)]:
        if a.get_legend() is not None:
            found |= {t.get_text() for t in a.get_legend().get_texts()}
    return found


def _twin(ax, fig) -> bool:
    return any(
        other is not ax and ax.bbox.bounds == other.bbox.bounds and fig.axes.index(other) <
        fig.axes.index(ax) for other in fig.axes
    )  # fmt: skip


def check_axes(fig) -> None:
    """Each axes: its y label has a unit in parentheses; a main axes's x label too; every
    series (a line of more than 2 points, a scatter, bars, error bars) has a label in the
    legend of its axes (or of its twin)."""
    for ax in fig.axes:
        has_data = ax.lines or ax.collections or ax.containers
        if not has_data and not ax.get_ylabel():
            continue
        assert UNIT.search(ax.get_ylabel()), f"{ax.get_title()!r}: y label {ax.get_ylabel()!r}"
        if not _twin(ax, fig):
            assert UNIT.search(ax.get_xlabel()), f"{ax.get_title()!r}: x {ax.get_xlabel()!r}"
        legend = _legend_texts(ax)
        in_containers = set()
        for container in ax.containers:
            if isinstance(container, (BarContainer, ErrorbarContainer)):
                assert container.get_label() in legend, (ax.get_title(), container.get_label())
                in_containers |= {id(c) for c in container.get_children()}
        for line in ax.lines:
            if len(line.get_xdata()) > 2 and id(line) not in in_containers:
                assert line.get_label() in legend, (ax.get_title(), line.get_label())
        for coll in ax.collections:
            if isinstance(coll, Collection) and id(coll) not in in_containers and len(
                coll.get_offsets()
            ):
                assert coll.get_label() in legend, (ax.get_title(), coll.get_label())
