"""A sweep's plan (``qnf sweep``; running it: ``orchestrator.run.sweep``).

A sweep is a *plan*: the base config's text, the axes (dotted keys, each with its values) and
the seeds. Its points are the Cartesian product of the axes, times the seeds, in a fixed order
(the first axis varies slowest, the seed fastest); point ``p007`` is the same run every time
the same plan is made. Every point's config is validated before anything is written or run:
one bad value anywhere refuses the whole sweep with one line per problem, naming the point.
Axes come from ``--over KEY=V1,V2`` (``parse_over``) or a sweep file (``load_sweep_file``).

Seeds: ``seeds: N`` runs each grid point with ``run.seed`` = s0, s0 + 1, ..., s0 + N - 1, where
s0 is the base config's ``run.seed``; without it the base seed alone is used. A plan that
would run something else than what was asked is refused, one line each: ``seeds`` with an axis
over ``run.seed`` (list the seeds on the axis instead), a key given twice (``--over`` twice,
or in the sweep file and on the command line).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, final

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig, load_config_text
from orchestrator.config.yaml_input import parse_yaml, read_text
from orchestrator.record.canonical import canonical

__all__ = [
    "MAX_POINTS",
    "Axis",
    "SweepPlan",
    "SweepPoint",
    "load_sweep_file",
    "parse_over",
    "plan_from_options",
    "seed_values",
]

MAX_POINTS = 10_000  # a grid larger than this is a typo, not a study
Axis = tuple[str, tuple[Any, ...]]  # a dotted config key and its values
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")


@final
@dataclass(frozen=True)
class SweepPoint:
    """One run of the sweep: ``overrides`` (dotted key -> value, ``run.seed`` included)."""

    index: int
    overrides: dict[str, Any]

    @property
    def name(self) -> str:
        """The point's directory name under ``points/`` (``p000``, ``p001``, ...)."""
        return f"p{self.index:03d}"

    @property
    def label(self) -> str:
        """``key=value`` pairs, for messages."""
        return ", ".join(f"{k}={v}" for k, v in self.overrides.items())


@final
@dataclass(frozen=True)
class SweepPlan:
    """A base config, the axes of the grid and the seeds (see the module docstring)."""

    config_text: str
    source: str
    axes: tuple[Axis, ...]
    seeds: tuple[int, ...] | None = None
    points: tuple[SweepPoint, ...] = field(init=False)

    def __post_init__(self) -> None:
        keys = [key for key, _ in self.axes]
        grid = itertools.product(*(values for _, values in self.axes))
        seeds: Sequence[int | None] = self.seeds if self.seeds is not None else (None,)
        points = []
        for combo in grid:
            for seed in seeds:
                overrides = dict(zip(keys, combo))
                if seed is not None:
                    overrides["run.seed"] = seed
                points.append(SweepPoint(len(points), overrides))
        object.__setattr__(self, "points", tuple(points))

    def as_dict(self) -> dict[str, Any]:
        """What ``sweep.json`` holds (with ``digest``)."""
        return {
            "config_sha256": hashlib.sha256(self.config_text.encode()).hexdigest(),
            "source": self.source,
            "axes": {key: list(values) for key, values in self.axes},
            "seeds": None if self.seeds is None else list(self.seeds),
            "points": [{"name": p.name, "overrides": p.overrides} for p in self.points],
        }

    @property
    def digest(self) -> str:
        """SHA-256 of the plan's config, axes and seeds (not of where the config was read)."""
        plan = self.as_dict()
        del plan["source"]
        return hashlib.sha256(canonical(plan)).hexdigest()

    def problems(self) -> list[str]:
        """What makes the plan run something other than what was asked: a key given twice
        (the last would win), an axis over ``run.seed`` with ``seeds`` (which count from the
        config's ``run.seed``, overriding the axis)."""
        problems: list[str] = []
        keys = [key for key, _ in self.axes]
        if self.seeds is not None and "run.seed" in keys:
            start = next(values for key, values in self.axes if key == "run.seed")[0]
            seeds = (
                ",".join(str(start + i) for i in range(len(self.seeds)))
                if isinstance(start, int) and not isinstance(start, bool)
                else "S1,S2,..."
            )
            problems.append(
                "--seeds: cannot be combined with an axis over run.seed (--seeds N counts from "
                f"the config's run.seed); list the seeds instead: --over run.seed={seeds}"
            )
        for key in dict.fromkeys(k for k in keys if keys.count(k) > 1):
            problems.append(
                f"--over {key}: given twice; give every value once: --over {key}=V1,V2,..."
            )
        return problems

    def configs(self) -> list[RunConfig]:
        """Every point's validated config; ``ConfigError`` lists every problem of every point."""
        problems = self.problems()
        if not self.points:
            problems.append("sweep: the grid is empty")
        elif len(self.points) > MAX_POINTS:
            problems.append(f"sweep: {len(self.points)} points; at most {MAX_POINTS}")
        configs: list[RunConfig] = []
        where: dict[str, list[SweepPoint]] = {}  # one line per problem, naming its points
        for point in self.points if not problems else ():
            try:
                configs.append(load_config_text(self.config_text, self.source, point.overrides))
            except ConfigError as exc:
                for line in exc.problems:
                    where.setdefault(line, []).append(point)
        for line, points in where.items():
            if len(points) == len(self.points):
                problems.append(f"{line} (every point)")
            else:
                shown = "; ".join(f"{p.name}: {p.label}" for p in points[:3])
                more = f"; and {len(points) - 3} more" if len(points) > 3 else ""
                problems.append(f"{line} (at {shown}{more})")
        if problems:
            raise ConfigError(problems)
        return configs


def parse_over(spec: str) -> Axis:
    """``"key=v1,v2,..."`` -> ``(key, (v1, v2, ...))``, each value read as a YAML scalar."""
    key, sep, values = spec.partition("=")
    key = key.strip()
    if not sep or not key or not values.strip():
        raise ConfigError([f"--over {spec!r}: expected KEY=V1,V2,... (e.g. pci.gamma=0.1,0.5)"])
    parsed = parse_yaml(f"[{values}]", f"--over {key}").data
    if not isinstance(parsed, list) or not all(_scalar(v) for v in parsed):
        raise ConfigError([f"--over {key}: values must be numbers, booleans or words"])
    return key, tuple(_number(v) for v in parsed)


def _number(value: Any) -> Any:
    """YAML 1.1 reads ``1e-3`` (no dot) as a string; on the command line it is a number."""
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value)
    return value


def load_sweep_file(path: Path) -> tuple[Path | None, list[Axis], int | None]:
    """A sweep file: ``{config: PATH?, over: {KEY: [V, ...], ...}, seeds: N?}``.

    ``config`` is relative to the sweep file. Returns (config path or None, axes, seeds).
    """
    data = parse_yaml(read_text(path), str(path)).data
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: a sweep file is a mapping with `over:` (and `config:`)"])
    unknown = sorted(set(data) - {"config", "over", "seeds"})
    problems += [f"{path}: {k}: unknown key (expected config, over, seeds)" for k in unknown]
    over = data.get("over")
    axes: list[Axis] = []
    if not isinstance(over, dict) or not over:
        problems.append(f"{path}: over: a mapping of dotted keys to lists of values")
    else:
        for key, values in over.items():
            if not isinstance(values, list) or not values or not all(map(_scalar, values)):
                problems.append(f"{path}: over.{key}: a non-empty list of scalar values")
            else:
                axes.append((str(key), tuple(values)))
    seeds = data.get("seeds")
    if seeds is not None and (not isinstance(seeds, int) or isinstance(seeds, bool) or seeds < 1):
        problems.append(f"{path}: seeds: must be an integer >= 1")
    config = data.get("config")
    if config is not None and not isinstance(config, str):
        problems.append(f"{path}: config: a path to a run config")
    if problems:
        raise ConfigError(problems)
    return (path.parent / config if config else None), axes, seeds


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def seed_values(base_text: str, source: str, count: int | None) -> tuple[int, ...] | None:
    """``count`` consecutive seeds from the base config's ``run.seed`` (None: no seed axis)."""
    if count is None:
        return None
    if count < 1:
        raise ConfigError(["--seeds: must be >= 1"])
    base = load_config_text(base_text, source).run.seed
    return tuple(base + i for i in range(count))


def plan_from_options(
    config: Path | None, over: Sequence[str], seeds: int | None, sweep_file: Path | None
) -> tuple[SweepPlan, Path]:
    """The plan ``qnf sweep`` was asked for, every point validated, and its base config's path.

    config: the base config (None when ``sweep_file`` names one). over: ``KEY=V1,V2,...``
    specs, added after the file's axes. seeds: seeds a point (overrides the file's count).
    ``ConfigError`` with one line per problem; nothing is written.
    """
    axes: list[Axis] = []
    file_seeds = None
    if sweep_file is not None:
        named, axes, file_seeds = load_sweep_file(sweep_file)
        config = config or named
    if config is None:
        raise ConfigError(["CONFIG: give a run config, or a --file that names one"])
    axes += [parse_over(spec) for spec in over]
    if not axes and seeds is None and file_seeds is None:
        raise ConfigError(["--over: give at least one KEY=V1,V2,... (or --seeds N)"])
    text = read_text(config)
    count = seeds if seeds is not None else file_seeds
    plan = SweepPlan(text, str(config), tuple(axes), seed_values(text, str(config), count))
    plan.configs()  # every point validated before a directory is made
    return plan, config
