"""Holm's correction over every pre-registered contrast of issue 22's studies together.

    .venv/bin/python bench/holm_across.py                       # every study folder below
    .venv/bin/python bench/holm_across.py docs/results/studies/a_n12 docs/results/studies/c_full \
        --out docs/results/studies/holm_across.md

Each study's summary.md corrects its own contrasts (one family per file, design §24). Here
the family is every contrast of every folder given (default: each folder under
docs/results/studies holding rows.csv and summary.md, in name order). For each folder: the
contrasts (n, A, B) are the rows of its summary.md's contrast table (the study file's
pre-registered pairs, each size); the paired differences are recomputed from rows.csv,
p_hit = hits / units of A minus of B graph by graph, and the p-value is the same two-sided
Wilcoxon signed-rank test (``run.study_stats.wilcoxon_p``). Prints one Markdown table: each
contrast's mean difference, Wilcoxon p, Holm p within its file (as its summary.md) and Holm p
across all files; ``--out`` writes it too.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrator.run.study_stats import holm, wilcoxon_p  # noqa: E402

STUDIES = ROOT / "docs/results/studies"
HEADER = "| n | A | B | units A / B |"


def contrasts_of(summary: Path) -> list[tuple[int, str, str]]:
    """(n, A, B) of each row of summary.md's contrast tables, in order."""
    out, inside = [], False
    for line in summary.read_text().splitlines():
        if line.startswith(HEADER):
            inside = True
            continue
        if inside and line.startswith("|---"):
            continue
        if inside and line.startswith("| "):
            cells = [c.strip() for c in line.strip("|").split("|")]
            out.append((int(cells[0]), cells[1], cells[2]))
            continue
        inside = False
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    folders = args.folders or sorted(
        d for d in STUDIES.iterdir() if (d / "rows.csv").is_file() and (d / "summary.md").is_file()
    )
    entries = []
    for folder in folders:
        p_hit: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
        with (folder / "rows.csv").open() as f:
            for r in csv.DictReader(f):
                units = int(r["units"])
                value = int(r["hits"]) / units if units else 0.0
                p_hit[(int(r["n"]), r["arm"])][r["graph"]] = value
        family = []
        for n, a, b in contrasts_of(folder / "summary.md"):
            graphs = sorted(p_hit[(n, a)].keys() & p_hit[(n, b)].keys())
            d = np.array([p_hit[(n, a)][g] - p_hit[(n, b)][g] for g in graphs])
            family.append({"study": folder.name, "n": n, "a": a, "b": b, "graphs": len(graphs),
                           "d": float(d.mean()), "p": wilcoxon_p(d)})
        for entry, p_file in zip(family, holm([e["p"] for e in family])):
            entry["holm_file"] = p_file
        entries += family
    for entry, p_all in zip(entries, holm([e["p"] for e in entries])):
        entry["holm_all"] = p_all
    lines = [
        f"Holm over all {len(entries)} pre-registered contrasts of {len(folders)} study files "
        "(primary metric: p_hit of A minus B, graph by graph; two-sided Wilcoxon signed-rank).",
        "",
        "| study | n | A | B | graphs | mean diff p_hit | Wilcoxon p | Holm p (file) | "
        "Holm p (all files) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        lines.append(f"| {e['study']} | {e['n']} | {e['a']} | {e['b']} | {e['graphs']} | "
                     f"{e['d']:+.4g} | {e['p']:.3g} | {e['holm_file']:.3g} | "
                     f"{e['holm_all']:.3g} |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
