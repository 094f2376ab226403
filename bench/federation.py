"""What a federation round costs (spec §12), on the local engine and on Ray, side by side.

    .venv/bin/python bench/federation.py                      # 4 and 16 nodes, 1024 phases
    .venv/bin/python bench/federation.py --nodes 4 --rounds 20 --channels 8
    .venv/bin/python bench/federation.py --fusion configs/federated.yaml   # + fusion nodes

Each run is a whole federated run (``run_federation``) whose nodes are
``orchestrator.testing.federation.PhaseNode``s: a drifting, seeded phase vector that signs its
contribution and follows the consensus, with no fusion loop behind it, so a round costs what
the protocol costs: advance (one tick of the phase node) and signing on every node, the
transport of the calls, the coordinator's intake (signatures), consensus and decoupling, the
deliveries, and one durable block of the federation ledger (SQLite, synchronous=FULL).
``rounds_every_ticks`` is 1. Per round the wall time between consecutive rounds' callbacks;
the first ``--warmup`` rounds are dropped; the median is reported.

local: every node in this process, called one after the other. ray: every node a Ray actor on
a private head on 127.0.0.1 (``backends.federation.ray.head``) started once for the script;
its start and each run's actor placement are reported apart. "Ray's added cost per round" is
the difference of the two medians at the same node count.

--fusion CONFIG adds a second table: that federated config's own fusion nodes (a round is
then one tick of every node plus the protocol), with rounds_every_ticks 1, on both engines:
local calls the nodes one after the other, Ray runs them in parallel processes.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from orchestrator.config.root import validate_config
from orchestrator.federation.signing import generate_private_key, private_key_hex, public_key_hex
from orchestrator.run.federation import NODE_FACTORY, open_engine, run_federation
from orchestrator.run.hooks import RunHooks
from orchestrator.testing.federation import PHASE_NODE


def federated_config(
    directory: Path, nodes: int, channels: int, rounds: int, engine: str, address: str | None
) -> Any:
    """A config whose PCI has ``channels`` channels (qubit mapping, or amplitude 2^n)."""
    if channels & (channels - 1) == 0 and channels > 16:
        n = channels.bit_length() - 1
        quantum, mapping = {"kind": "aer", "aer": {"method": "statevector"}}, "amplitude"
    else:
        n, quantum, mapping = channels, {"kind": "aer"}, "qubit"
    entries = []
    for i in range(nodes):
        key = generate_private_key()
        path = directory / f"n{i:02d}.key"
        path.write_text(private_key_hex(key))
        entries.append(
            {"id": f"n{i:02d}", "public_key": public_key_hex(key), "key_file": str(path),
             "num_cpus": 0}
        )  # fmt: skip
    raw = {
        "hamiltonian": {"kind": "tfim", "n_qubits": n, "j": 1.0, "h": 0.8},
        "quantum": quantum,
        "spiking": {"kind": "brian2"},
        "pci": {"mapping": mapping},
        "safety": {"max_qubits": max(n, 16)},
        "run": {"ticks": rounds, "seed": 1},
        "federation": {
            "engine": engine, "address": address, "nodes": entries, "rounds_every_ticks": 1,
            "eps_phi": 1.0, "round_timeout_s": 120,
        },
    }  # fmt: skip
    (directory / "federated.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return validate_config(raw)


def fusion_config(path: Path, rounds: int, engine: str, address: str | None) -> Any:
    """The federated config at ``path`` with one round a tick, on ``engine``."""
    raw = yaml.safe_load(path.read_text())
    raw["run"]["ticks"] = rounds
    raw["federation"].update(engine=engine, address=address, rounds_every_ticks=1)
    for node in raw["federation"]["nodes"]:
        node["num_cpus"] = 0
    return validate_config(raw)


def measure(config: Any, out: Path, warmup: int, factory: str = PHASE_NODE) -> dict[str, float]:
    """Median seconds per round (after ``warmup`` rounds) and the setup time."""
    marks: list[float] = []
    started = time.perf_counter()
    engine = open_engine(config)
    connected = time.perf_counter()
    hooks = RunHooks(on_round=lambda _: marks.append(time.perf_counter()))
    run_federation(config, out, engine, hooks, factory)
    gaps = [b - a for a, b in itertools.pairwise(marks)][warmup:]
    return {
        "round_s": statistics.median(gaps),
        "spread": (max(gaps) - min(gaps)) / statistics.median(gaps),
        "connect_s": connected - started,
        "first_round_s": marks[0] - connected,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--channels", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--engines", nargs="+", default=["local", "ray"])
    parser.add_argument("--fusion", type=Path, help="a federated config: its fusion nodes too")
    args = parser.parse_args()
    rows: dict[tuple[str, int], dict[str, float]] = {}
    fusion: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="qnf-bench-fed-") as tmp:
        root = Path(tmp)
        for n in args.nodes:
            cfg = federated_config(root, n, args.channels, args.rounds, "local", None)
            rows["local", n] = measure(cfg, root / f"local-{n}", args.warmup)
            print(f"local {n}: {rows['local', n]}", flush=True)
        if args.fusion:
            cfg = fusion_config(args.fusion, args.rounds, "local", None)
            fusion["local"] = measure(cfg, root / "fusion-local", args.warmup, NODE_FACTORY)
            print(f"fusion local: {fusion['local']}", flush=True)
        if "ray" in args.engines:
            from backends.federation.ray.head import loopback_head

            with loopback_head(num_cpus=4) as head:  # the first run's connect waits for it
                for n in args.nodes:
                    cfg = federated_config(root, n, args.channels, args.rounds, "ray", head.address)
                    rows["ray", n] = measure(cfg, root / f"ray-{n}", args.warmup)
                    print(f"ray {n}: {rows['ray', n]}", flush=True)
                if args.fusion:
                    cfg = fusion_config(args.fusion, args.rounds, "ray", head.address)
                    fusion["ray"] = measure(cfg, root / "fusion-ray", args.warmup, NODE_FACTORY)
                    print(f"fusion ray: {fusion['ray']}", flush=True)
    print()
    print(f"Python {platform.python_version()}, {args.channels} phases per node, "
          f"{args.rounds} rounds (first {args.warmup} dropped), rounds_every_ticks 1, "
          "phase nodes (no fusion loop); the first Ray connect includes the head's start"
          )  # fmt: skip
    print()
    print("| nodes | local rounds/s | local ms/round | ray rounds/s | ray ms/round "
          "| Ray's added ms/round | ray / local | Ray connect + first round, s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for n in args.nodes:
        local = rows["local", n]
        ray = rows.get(("ray", n))
        cells = [f"{n}", f"{1 / local['round_s']:.0f}", f"{local['round_s'] * 1e3:.1f}"]
        if ray is None:
            cells += ["-"] * 5
        else:
            cells += [
                f"{1 / ray['round_s']:.0f}",
                f"{ray['round_s'] * 1e3:.1f}",
                f"{(ray['round_s'] - local['round_s']) * 1e3:.1f}",
                f"{ray['round_s'] / local['round_s']:.1f}x",
                f"{ray['connect_s']:.1f} + {ray['first_round_s']:.1f}",
            ]
        print("| " + " | ".join(cells) + " |")
    if fusion:
        print()
        print(f"Fusion nodes of {args.fusion} (one round per tick):")
        print()
        print("| engine | rounds/s | ms/round | connect + first round (node build), s |")
        print("|---|---|---|---|")
        for engine, row in fusion.items():
            print(
                f"| {engine} | {1 / row['round_s']:.1f} | {row['round_s'] * 1e3:.1f} "
                f"| {row['connect_s']:.1f} + {row['first_round_s']:.1f} |"
            )


if __name__ == "__main__":
    main()
