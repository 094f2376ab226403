"""Issue 10's scale benchmark, both halves in one command (figures: BENCHMARKS.md).

    .venv/bin/python bench/scale.py            # statevector 16-28, MPS, IBM 127, 10^3-10^5 neurons
    .venv/bin/python bench/scale.py --quick    # the small sizes only (minutes, not an hour)

The quantum half is ``bench/scale_statevector.py`` (per-tick time and peak memory of the loop
against the Aer call alone, each size in a fresh process); the network half is
``bench/scale_network.py`` (the loop against one continuous Brian2 run of the same network,
run-directory growth per tick). This script runs them one after the other as subprocesses, so
each keeps its own command line and output; run it alone on the machine (it measures memory
peaks of up to ~5 GiB and times of minutes per tick at 28 qubits).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
FULL = [
    ["scale_statevector.py", "statevector", "16", "20", "24", "26", "28"],
    ["scale_statevector.py", "mps", "32", "48", "63"],
    ["scale_statevector.py", "ibm", "16", "32", "64", "127"],
    ["scale_network.py", "--sizes", "1000", "10000", "100000"],
]
QUICK = [
    ["scale_statevector.py", "statevector", "16", "20"],
    ["scale_statevector.py", "mps", "32"],
    ["scale_statevector.py", "ibm", "16", "127"],
    ["scale_network.py", "--sizes", "1000", "10000"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args()
    for script, *rest in QUICK if args.quick else FULL:
        command = [sys.executable, str(HERE / script), *rest]
        print("$", " ".join(command[1:]), flush=True)
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
