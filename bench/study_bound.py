"""Each arm's best cut of a study against a certified upper bound on MaxCut (issue 22, C).

    .venv/bin/python bench/study_bound.py docs/results/studies/c_n100.yaml \
        docs/results/studies/c_n100

Reads the study's rows.csv and, per graph, the certified bound of the low-rank SDP factor
(``tasks.maxcut.burer_monteiro.low_rank_sdp``, seed 0: an upper bound on MaxCut whatever the
factor's convergence), then writes OUT/bound.md: per arm, mean best cut / bound with its range.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrator.config.study import StudyConfig  # noqa: E402
from orchestrator.config.yaml_input import parse_yaml, read_text  # noqa: E402
from orchestrator.tasks.maxcut.burer_monteiro import low_rank_sdp  # noqa: E402
from orchestrator.tasks.maxcut.instances import catalogue  # noqa: E402


def main(study_file: str, out: str) -> int:
    config = StudyConfig.model_validate(parse_yaml(read_text(Path(study_file)), study_file).data)
    g = config.graphs
    bounds = {}
    for n in g.sizes:
        for inst in catalogue(g.family, n, g.count, g.base_seed):
            bounds[inst.name] = low_rank_sdp(inst, 0).bound
    with (Path(out) / "rows.csv").open() as f:
        rows = list(csv.DictReader(f))
    ratios: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        ratios[(row["n"], row["arm"])].append(float(row["best_cut"]) / bounds[row["graph"]])
    lines = ["| n | arm | mean best cut / certified bound | min | max |", "|---|---|---|---|---|"]
    for (n, arm), r in ratios.items():
        lines.append(f"| {n} | {arm} | {sum(r) / len(r):.4f} | {min(r):.4f} | {max(r):.4f} |")
    lines.append("")
    lines.append("Bounds per graph: " + ", ".join(f"{k} {v:.4f}" for k, v in bounds.items()))
    (Path(out) / "bound.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
