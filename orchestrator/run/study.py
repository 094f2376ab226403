"""``qnf study FILE``: every arm of a study file on every graph, at one budget (issue 22).

The arms and the budget rule are those of ``orchestrator.config.study``. Output, in OUT:

    rows.csv      one row per graph and arm: size, graph, its digest, arm, units spent,
                  candidates, hits, p_hit, TTS99 (units), best cut, optimum, ratio, solved,
                  and the arm's root (a loop run's final ledger root; a classical arm's
                  SHA-256 of its candidates): the same bytes on every rerun
    summary.md    per size and arm: units (min-max: equal by construction), mean p_hit, median
                  TTS99, mean ratio, solved; the contrasts with Wilcoxon p, Holm p, CIs
    timings.csv   wall seconds per row (differ between reruns)
    runs/         the loop arms' run directories (a rerun reads a completed run back)

Loop arms run through ``orchestrator.run.runner.execute`` as ordinary runs (ledger, summary,
``qnf ledger verify``), one after the other in this process.
"""

from __future__ import annotations

import csv
import io
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from orchestrator.config.study import StudyArm, StudyConfig
from orchestrator.record.budget import units as units_of
from orchestrator.record.fsutil import write_atomic
from orchestrator.tasks.maxcut.instances import MaxCutInstance

__all__ = ["ROWS", "ArmRow", "run_arm", "run_study", "tts99"]

ROWS, SUMMARY, TIMINGS = "rows.csv", "summary.md", "timings.csv"
TIE = 1e-9
COLUMNS = (
    "n", "graph", "graph_digest", "arm", "kind", "units", "candidates", "hits", "p_hit",
    "tts99_units", "best_cut", "optimum", "ratio", "solved", "root",
)


@dataclass
class ArmRow:
    """One arm on one graph (``COLUMNS``); ``cuts``: the candidates' cuts where the arm keeps
    them (classical arms; None for loop arms, whose hits the run counted)."""

    n: int
    graph: str
    graph_digest: str
    arm: str
    kind: str
    units: int
    candidates: int
    hits: int
    best_cut: float
    optimum: float
    root: str
    seconds: float
    cuts: np.ndarray | None = None

    @property
    def p_hit(self) -> float:
        return self.hits / self.units if self.units else 0.0

    def as_row(self) -> dict[str, Any]:
        ratio = self.best_cut / self.optimum if self.optimum else float("nan")
        return {
            "n": self.n, "graph": self.graph, "graph_digest": self.graph_digest,
            "arm": self.arm, "kind": self.kind, "units": self.units,
            "candidates": self.candidates, "hits": self.hits, "p_hit": f"{self.p_hit:.6g}",
            "tts99_units": _fmt(tts99(self.p_hit)), "best_cut": f"{self.best_cut:.9g}",
            "optimum": f"{self.optimum:.9g}", "ratio": f"{ratio:.6f}",
            "solved": int(self.best_cut >= self.optimum - TIE * self.scale), "root": self.root,
        }

    scale: float = 1.0
    warm_phase: int | None = None  # warm-start arms: candidates of the warm phase (study_warm)


def tts99(p_hit: float) -> float:
    """Units until the optimum is drawn with probability 0.99 at p_hit per unit:
    ln(0.01) / ln(1 - p_hit); inf at p_hit = 0, 1 at p_hit = 1."""
    if p_hit <= 0.0:
        return math.inf
    if p_hit >= 1.0:
        return 1.0
    return math.log(0.01) / math.log1p(-p_hit)


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.6g}"


def _hits(cuts: np.ndarray, optimum: float, scale: float) -> int:
    return int(np.count_nonzero(np.asarray(cuts) >= optimum - TIE * scale))


# ---------------------------------------------------------------------- the arms


def _loop_config(arm: StudyArm, inst: MaxCutInstance, ticks: int, optimum: float):
    from orchestrator.config.root import load_config_text
    from orchestrator.config.yaml_input import dump_yaml
    from orchestrator.tasks.maxcut.configs import annealer_config_of, config_of

    make = annealer_config_of if arm.annealer else config_of
    data = make(inst, ticks=ticks, shots=arm.shots, seed=arm.seed)
    data["maxcut"]["optimum"] = float(optimum)
    return load_config_text(dump_yaml(data), f"{arm.name}:{inst.name}", arm.overrides)


def _run_loop(arm: StudyArm, inst: MaxCutInstance, budget: int, optimum: float,
              out: Path) -> ArmRow:
    import json

    from orchestrator.record.ledger import read_blocks
    from orchestrator.run.runner import execute

    per_tick = 3 * arm.shots + 1  # a quench tick: 3 bases, 1 spike reading
    ticks = arm.ticks or max(1, math.ceil(budget / per_tick))
    config = _loop_config(arm, inst, ticks, optimum)
    run_dir = out / "runs" / f"n{inst.n}" / inst.name / arm.name
    summary_path = run_dir / "summary.json"
    started = time.perf_counter()
    done = False
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text())
        done = summary.get("status") == "completed" and (
            summary.get("config_sha256") == config.config_hash()
        )
    if not done:
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.parent.mkdir(parents=True, exist_ok=True)
        result = execute(config, run_dir, draw_report=False)
        if result.status != "completed":
            raise RuntimeError(f"{arm.name} on {inst.name}: the run ended {result.status}")
        summary = result.summary
    spent, hits, best, candidates = 0, 0, -math.inf, 0
    for _, event, _ in read_blocks(run_dir / "ledger.sqlite"):
        if event.get("kind") != "tick":
            continue
        tick_units = units_of(event["budget"])
        if spent + tick_units > budget:
            break
        spent += tick_units
        mc = event["maxcut"]
        hits += int(mc.get("hits_quantum") or 0) + min(int(mc.get("hits_spikes") or 0), 1)
        candidates += int(event["budget"]["shots"].get("z", 0)) + 1
        if mc.get("cut") is not None:
            best = max(best, float(mc["cut"]))
    return ArmRow(inst.n, inst.name, inst.digest(), arm.name, arm.kind, spent, candidates, hits,
                  best, optimum, str(summary["final_root"]), time.perf_counter() - started)


def _annealer_alone(arm: StudyArm, inst: MaxCutInstance, budget: int, optimum: float) -> ArmRow:
    import hashlib

    from orchestrator.run.seeds import derive_seed
    from orchestrator.run.study_warm import anneal
    from orchestrator.tasks.maxcut.cut import cut_values

    per_tick = inst.n * arm.sweeps + 1
    if budget // per_tick == 0:
        raise ValueError(f"{arm.name}: one tick ({per_tick} units) does not fit the budget")
    seed = derive_seed(inst.seed if inst.seed is not None else 0, arm.seed)
    started = time.perf_counter()
    # the default schedule: this arm ignores schedule_from (the warm arms' field)
    annealed = anneal(inst, budget, arm.model_copy(update={"schedule_from": 0.0}), seed)
    bits = annealed.bits
    cuts = cut_values(inst, bits)
    return ArmRow(inst.n, inst.name, inst.digest(), arm.name, arm.kind, annealed.units, len(cuts),
                  0, float(cuts.max()), optimum, hashlib.sha256(bits.tobytes()).hexdigest(),
                  time.perf_counter() - started, cuts)


def run_arm(arm: StudyArm, inst: MaxCutInstance, budget: int, optimum: float,
            out: Path) -> ArmRow:
    """One arm on one graph at ``budget`` units (hits against ``optimum``)."""
    from orchestrator.run.seeds import derive_seed
    from orchestrator.tasks.maxcut import budgeted

    if arm.kind == "loop":
        row = _run_loop(arm, inst, budget, optimum, out)
    elif arm.kind == "annealer_alone":
        row = _annealer_alone(arm, inst, budget, optimum)
    elif arm.kind in ("annealer_seeded", "qaoa"):  # experiment B: orchestrator.run.study_warm
        from orchestrator.run.study_warm import warm_arm

        started = time.perf_counter()
        seed = derive_seed(inst.seed if inst.seed is not None else 0, arm.seed)
        warm = warm_arm(arm, inst, budget, seed)
        row = ArmRow(inst.n, inst.name, inst.digest(), arm.name, arm.kind, warm.units,
                     len(warm.cuts), 0, float(warm.cuts.max()), optimum, warm.root,
                     time.perf_counter() - started, warm.cuts)
        row.warm_phase = warm.warm
    else:
        seed = derive_seed(inst.seed if inst.seed is not None else 0, arm.seed)
        if arm.kind == "random":
            result = budgeted.random_sampling(inst, budget, seed)
        elif arm.kind == "local_search":
            result = budgeted.local_search(inst, budget, seed)
        elif arm.kind == "sa":
            result = budgeted.simulated_annealing(inst, budget, seed, arm.sweeps)
        else:
            result = budgeted.gw_roundings(inst, budget, seed)
        cuts = result.cuts
        row = ArmRow(inst.n, inst.name, inst.digest(), arm.name, arm.kind, result.units,
                     len(cuts), 0, float(cuts.max()) if len(cuts) else -math.inf, optimum,
                     result.digest, result.seconds + result.unit_free_seconds, cuts)
    row.scale = max(1.0, sum(abs(w) for _, _, w in inst.edges))
    if row.cuts is not None:
        row.hits = _hits(row.cuts, optimum, row.scale)
    return row


# ---------------------------------------------------------------------- the study


def run_study(
    config: StudyConfig,
    out: Path,
    on_row: Callable[[ArmRow, int, int], None] | None = None,
) -> list[ArmRow]:
    """Run every arm on every graph into ``out``; write rows.csv, summary.md, timings.csv."""
    from orchestrator.run.study_stats import summary_markdown
    from orchestrator.tasks.maxcut.exact import brute_force
    from orchestrator.tasks.maxcut.instances import catalogue

    g = config.graphs
    out.mkdir(parents=True, exist_ok=True)
    plan = [(inst, arm) for n in g.sizes for inst in catalogue(g.family, n, g.count, g.base_seed)
            for arm in config.arms]
    rows: list[ArmRow] = []
    optima: dict[str, float] = {}
    for k, (inst, arm) in enumerate(plan):
        if inst.name not in optima:
            optima[inst.name] = (
                brute_force(inst).value if g.reference == "exact" else math.nan
            )
        row = run_arm(arm, inst, config.budget.units, optima[inst.name], out)
        rows.append(row)
        if on_row is not None:
            on_row(row, k + 1, len(plan))
    if g.reference == "best_found":
        best: dict[str, float] = {}
        for row in rows:
            best[row.graph] = max(best.get(row.graph, -math.inf), row.best_cut)
        for row in rows:
            row.optimum = best[row.graph]
            assert row.cuts is not None
            row.hits = _hits(row.cuts, row.optimum, row.scale)
    write_atomic(out / ROWS, _csv([r.as_row() for r in rows], COLUMNS))
    timings = [{"n": r.n, "graph": r.graph, "arm": r.arm, "seconds": f"{r.seconds:.4f}"}
               for r in rows]
    write_atomic(out / TIMINGS, _csv(timings, ("n", "graph", "arm", "seconds")))
    write_atomic(out / SUMMARY, summary_markdown(config, rows).encode())
    if any(r.warm_phase is not None for r in rows):  # experiment B: phases.csv
        from orchestrator.run.study_warm import PHASE_COLUMNS, PHASES, phases_rows

        write_atomic(out / PHASES, _csv(phases_rows(rows), PHASE_COLUMNS))
    return rows


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()
