"""Run one benchmark in two checkouts of the project, round by round, and compare the figures.

    git worktree add ../qnf-before <revision> && (cd ../qnf-before && bash .ci/uv sync --locked)
    .venv/bin/python bench/revisions.py --other ../qnf-before --rounds 3 -- \\
        bench/tick_overhead.py --sizes 8x100,12x100 --ticks 100

Each round runs the benchmark once in this checkout and once in the other (with each
checkout's own virtual environment and its own copy of the benchmark, ``--rounds 1``
appended), alternating which goes first, so both see the same machine at the same time. The
benchmark's Markdown table is read from its standard output: every row's cells become figures
(the leading number of each cell), keyed by the row's first cell. Printed: the median of each
figure over the rounds in both checkouts and their ratio (this / other).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

NUMBER = re.compile(r"^\s*(-?[0-9][0-9.]*(?:e-?[0-9]+)?)")


def run(tree: Path, bench: list[str]) -> list[list[str]]:
    """The Markdown rows (cells) the benchmark printed, header first."""
    proc = subprocess.run(
        [str(tree / ".venv" / "bin" / "python"), *bench, "--rounds", "1"],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: the benchmark failed:\n{proc.stderr[-4000:]}")
    rows = []
    for line in proc.stdout.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    if len(rows) < 2:
        raise SystemExit(f"{tree}: the benchmark printed no Markdown table:\n{proc.stdout}")
    return rows


def figures(rows: list[list[str]]) -> dict[tuple[str, str], float]:
    header, body = rows[0], rows[1:]
    # a first cell that is not a plain number (e.g. "8x100") names the row
    keyed = NUMBER.match(body[0][0]) is None or NUMBER.match(body[0][0]).group(0) != body[0][0]
    out = {}
    for r, row in enumerate(body):
        key = row[0] if keyed else f"row {r}"
        for name, cell in zip(header, row):
            match = NUMBER.match(cell)
            if match and not (keyed and name == header[0]):
                out[(key, name)] = float(match.group(1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--other", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("bench", nargs=argparse.REMAINDER, help="-- SCRIPT [ARGS...]")
    args = parser.parse_args()
    bench = [a for a in args.bench if a != "--"]
    here = Path(__file__).resolve().parents[1]
    trees = {"this": here, "other": args.other.resolve()}
    seen: dict[str, dict[tuple[str, str], list[float]]] = {"this": {}, "other": {}}
    for r in range(args.rounds):
        order = ("this", "other") if r % 2 == 0 else ("other", "this")
        for name in order:
            for key, value in figures(run(trees[name], bench)).items():
                seen[name].setdefault(key, []).append(value)
            print(f"# round {r}: {name} done", file=sys.stderr, flush=True)
    print(f"\n`{' '.join(bench)}`, {args.rounds} rounds each, alternating; this = {here},")
    print(f"other = {trees['other']}; medians\n")
    print("| row | figure | this | other | this / other |")
    print("|---|---|---|---|---|")
    for key in seen["this"]:
        if key not in seen["other"]:
            continue
        a, b = statistics.median(seen["this"][key]), statistics.median(seen["other"][key])
        ratio = f"{a / b:.3f}" if b else "-"
        print(f"| {key[0]} | {key[1]} | {a:.4g} | {b:.4g} | {ratio} |")


if __name__ == "__main__":
    main()
