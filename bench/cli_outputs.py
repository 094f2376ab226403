"""Issue 25 item 1: the `qnf` starts of this tree against a commit's, byte for byte.

    .venv/bin/python bench/cli_outputs.py --base main

Not a timing: the check that a start-up change printed nothing differently. Each start runs in a
fresh process of each tree (``python -c "from orchestrator.cli import main; main()" ARGS``, the
console script), the same interpreter, packages, QNF_HOME and working-directory layout; stdout,
stderr and the exit code are compared. The starts: ``qnf validate`` of every YAML file under
configs/, docs/ and tests/assets/ and of inputs made here (emoji codes, markup, tabs, line
breaks, control and non-ASCII characters in keys, a binary file, an empty one, a YAML syntax
error, a duplicate key, a moved key, several problems, a FIFO, a file over 1 MiB, a path with a
space, a link, a checkpoint note), odd paths and arguments (missing, a folder, ``-``, empty,
options, ``./`` and ``//``, two files, ``--``, ``--help``), every command's ``--help``, and other
starts (no arguments, ``-V``, ``jobs``, ``backends``, a typo, errors); the demo's validation also
with ``COLUMNS=60`` and under shell completion. Prints each difference and a count.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "from orchestrator.cli import main; main()"
COMMANDS = [  # every command and group, and the one subcommand
    *("backends", "run", "validate", "report", "export-nir", "ledger", "events", "federation"),
    *("jobs", "status", "results", "watch", "logs", "submit", "worker", "cancel", "resume"),
    *("reproduce", "study", "sweep", "ledger verify"),
]
DEMO = (ROOT / "configs" / "demo.yaml").read_text()
MADE = {  # file name -> its text (bytes where not UTF-8)
    "emoji_key.yaml": 'hamiltonian:\n  kind: ising\n  ":smile:": 1\n',
    "emoji_kind.yaml": 'quantum:\n  kind: ":rocket:"\n',
    "colon_kind.yaml": 'quantum:\n  kind: "a:b:c"\n',
    "markup_key.yaml": 'run:\n  "[bold]x[/bold]": 1\n',
    "tab_value.yaml": 'run:\n  ticks: "a\\tb"\n',
    "newline_key.yaml": 'run:\n  "a\\nb": 1\n',
    "nonascii_key.yaml": 'hamiltonian:\n  kind: ising\n  "clé": 1\n',
    "unicode_top.yaml": "\u2713: 1\n",
    "control.yaml": "x\x07y: 1\n",
    "binary.yaml": b"\xff\xfe\x00bad",
    "empty.yaml": "",
    "syntax.yaml": "a: [1, 2\n",
    "dupkey.yaml": "a: 1\na: 2\n",
    "moved.yaml": "quantum:\n  kind: aer\n  method: statevector\n",
    "multi.yaml": "spiking:\n  kind: brian2\n  neurons: -5\nquantum:\n  kind: aer\n  shots: 0\n",
    "long_key.yaml": f"hamiltonian:\n  kind: ising\n  {'k' * 300}: 1\n",
    "big.yaml": "a: " + "x" * (1 << 21) + "\n",
    "with space.yaml": DEMO,
    "note.yaml": DEMO.replace("neurons: 64 ", "neurons: 5000"),
}


def _made(folder: Path) -> list[str]:
    for name, text in MADE.items():
        data = text if isinstance(text, bytes) else text.encode()
        (folder / name).write_bytes(data)
    os.mkfifo(folder / "fifo.yaml")
    (folder / "link.yaml").symlink_to(ROOT / "configs" / "demo.yaml")
    return sorted(str(p) for p in folder.iterdir())


def _starts(folder: Path) -> list[tuple[list[str], dict[str, str]]]:
    found = [
        p
        for top in ("configs", "docs", "tests/assets")
        for p in glob.glob(f"{top}/**/*.y*ml", root_dir=ROOT, recursive=True)
    ]
    paths = sorted(found) + _made(folder)
    paths += ["missing.yaml", "configs", "-", "", "-x", "./configs/demo.yaml"]
    paths += ["configs//demo.yaml", "configs/demo.yaml/", "/dev/null", "--", "-h", "--help"]
    paths += ["configs/../configs/demo.yaml", "configs/demo.yaml\n"]
    argvs = [["validate", p] for p in paths]
    argvs += [["validate"], ["validate", "configs/demo.yaml", "configs/demo.yaml"]]
    argvs += [["validate", "configs/demo.yaml", "--bogus"], ["validate", "--", "configs/demo.yaml"]]
    argvs += [["validate", "configs/demo.yaml", "--help"]]
    argvs += [[*c.split(), "--help"] for c in COMMANDS] + [["--help"], ["-h"], [], ["-V"]]
    argvs += [["jobs"], ["jobs", "--json"], ["backends"], ["backends", "--json"], ["nosuch"]]
    argvs += [["valdate", "x"], ["run"], ["ledger", "verify", "/nonexistent"], ["--bogus"]]
    argvs += [["status", "nojob"], ["events", "/nonexistent"], ["report", "configs"]]
    starts: list[tuple[list[str], dict[str, str]]] = [(a, {}) for a in argvs]
    complete = {"_QNF_COMPLETE": "bash_complete", "COMP_WORDS": "qnf val", "COMP_CWORD": "1"}
    starts += [(["validate", "configs/demo.yaml"], {"COLUMNS": "60"})]
    starts += [(["validate", str(folder / "emoji_key.yaml")], {"COLUMNS": "60"})]
    starts += [(["validate", "configs/demo.yaml"], complete)]
    return starts


def _run(tree: Path, argv: list[str], extra: dict[str, str], home: Path) -> tuple:
    env = {**os.environ, "QNF_HOME": str(home), "PYTHONPATH": str(tree), **extra}
    env.pop("PYTHONPYCACHEPREFIX", None)
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, *argv], cwd=tree, env=env, capture_output=True, timeout=300
    )
    return proc.returncode, proc.stdout, proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the commit to compare this tree with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qnf-outputs-") as scratch:
        scratch_path = Path(scratch)
        base = scratch_path / "base"
        base.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.base], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        (scratch_path / "made").mkdir()
        starts = _starts(scratch_path / "made")
        home = scratch_path / "home"
        differ = 0
        for argv, extra in starts:
            theirs, ours = _run(base, argv, extra, home), _run(ROOT, argv, extra, home)
            if theirs != ours:
                differ += 1
                print(f"DIFFERS {argv} {extra}: exit {theirs[0]} / {ours[0]}")
                for name, a, b in (("stdout", theirs[1], ours[1]), ("stderr", theirs[2], ours[2])):
                    if a != b:
                        print(f"  {name} base: {a[-400:]!r}\n  {name} this: {b[-400:]!r}")
    print(f"{len(starts) - differ} of {len(starts)} starts identical, {differ} different")


if __name__ == "__main__":
    main()
