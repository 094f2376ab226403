"""``qnf study FILE``: arms of a MaxCut study at one budget (``orchestrator.run.study``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orchestrator.cli.app import app, fail, say

__all__ = ["study"]


@app.command()
def study(
    study_file: Annotated[Path, typer.Argument(help="Study file (YAML).", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o",
            help="Output folder \\[default: studies/<study>]; the same folder again reads "
            "completed loop runs back.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run every arm of STUDY_FILE on every graph at the study's one budget.

    A study file declares graphs (family, sizes, count), one budget in units (one unit = one
    evaluated candidate: a shot in any basis, a spike reading, a neuron update, a classical
    flip or cut evaluation), arms (loop runs with overrides, e.g. a placebo; the spiking
    annealer alone; random, multi-start local search, simulated annealing, Goemans-Williamson)
    and pre-registered contrasts [A, B]. Writes rows.csv (one row per graph and arm, roots
    included: a rerun gives the same bytes), summary.md (p_hit, TTS99, ratios, contrasts
    with Holm-corrected Wilcoxon p) and timings.csv.

    Example:

      qnf study docs/results/studies/a_n12.yaml --out studies/a_n12
    """
    from pydantic import ValidationError

    from orchestrator.config.errors import ConfigError
    from orchestrator.config.study import StudyConfig
    from orchestrator.config.yaml_input import parse_yaml, read_text
    from orchestrator.run.study import run_study

    try:
        raw = parse_yaml(read_text(study_file), str(study_file)).data
    except (ConfigError, OSError) as exc:
        problems = exc.problems if isinstance(exc, ConfigError) else [f"{study_file}: {exc}"]
        fail(problems)
    try:
        config = StudyConfig.model_validate(raw)
    except ValidationError as exc:
        fail([
            f"{'.'.join(map(str, e['loc'])) or 'study'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ])
    folder = out or Path("studies") / config.study

    def progress(row, done: int, total: int) -> None:
        say(f"[{done}/{total}] n={row.n} {row.graph} {row.arm}: units {row.units}, "
            f"hits {row.hits}, best {row.best_cut:.4g} of {row.optimum:.4g}")

    run_study(config, folder, progress)
    say(f"{folder / 'summary.md'}")
