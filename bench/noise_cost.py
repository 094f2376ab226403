"""What the neurons' noise costs per tick (issue 21): noise off / white / OU, side by side.

    .venv/bin/python bench/noise_cost.py --neurons 1000 --ticks 30
    .venv/bin/python bench/noise_cost.py --neurons 100000 --backends brian2 --ticks 5

Per backend (Brian2 numpy under its own timing; Lava floating_pt on its CPU simulator, host
bridge) the same network (N neurons, recurrent p = --p with w = 0.5 mV, 100 steps of 0.1 ms
a tick, drive 15-25 mV) is built three times (noise off; white, sigma 3 mV; OU, sigma 3 mV,
tau 5 ms) and ticked in turns, one tick of each in round-robin after --warmup ticks each, so
the three see the same machine load. Prints the median and the 25-75 % range of ms per tick,
and the ratio of medians to noise off. The noise's own arithmetic (one standard_normal(N) per
step, the OU update, the copy into the neurons) is also timed alone, for the same N and steps.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backends.neuromorphic.common.noise import NoiseSource, initial_eta  # noqa: E402
from orchestrator.contract.spiking import NetworkSpec, NeuronNoise  # noqa: E402
from orchestrator.run.assemble import draw_connectivity  # noqa: E402

NOISES = {
    "off": None,
    "white": NeuronNoise("white", 3.0, None, 1),
    "ou": NeuronNoise("ou", 3.0, 5.0, 1),
}


def network(n: int, p: float, noise: NeuronNoise | None, ticks: int) -> NetworkSpec:
    pre, post, w = draw_connectivity(n, p, 0.5, 2)
    return NetworkSpec(
        n_neurons=n,
        tau_m_ms=20.0,
        v_th_mv=20.0,
        v_reset_mv=0.0,
        refractory_ms=2.0,
        dt_ms=0.1,
        steps_per_tick=100,
        ticks=ticks,
        drive_mode="current",
        kick_cap_mv=15.0,
        pre=pre,
        post=post,
        weight_mv=w,
        noise=noise,
    )


def build(kind: str, net: NetworkSpec):  # type: ignore[no-untyped-def]
    if kind == "brian2":
        from backends.neuromorphic.brian2.backend import Brian2Backend
        from backends.neuromorphic.brian2.config import Brian2Config

        return Brian2Backend(Brian2Config(kind="brian2"), net)
    from backends.neuromorphic.lava.backend import LavaBackend
    from backends.neuromorphic.lava.config import LavaConfig

    return LavaBackend(LavaConfig(kind="lava"), net)


def arithmetic_ms(n: int, noise: NeuronNoise, steps: int = 100, rounds: int = 20) -> float:
    """The noise source alone: ms per 100 steps (one tick)."""
    source = NoiseSource(noise, n=n, tau_m_ms=20.0, dt_ms=0.1, steps_per_tick=steps)
    eta = initial_eta(noise, n, 20.0) if noise.kind == "ou" else None
    target = np.zeros(n)
    started = time.perf_counter()
    for step in range(rounds * steps):
        target[:] = source.current(step, eta) * 1e-3
    return (time.perf_counter() - started) / rounds * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/noise_cost.py")
    parser.add_argument("--neurons", type=int, default=1000)
    parser.add_argument("--p", type=float, default=0.1, help="recurrent connection probability")
    parser.add_argument("--ticks", type=int, default=30, help="timed ticks per variant")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--backends", default="brian2,lava")
    args = parser.parse_args(argv)
    n, total = args.neurons, args.warmup + args.ticks
    drive = np.random.default_rng(0).uniform(15.0, 25.0, n)
    print(f"N = {n}, p = {args.p}, 100 steps of 0.1 ms a tick, {args.ticks} ticks each")
    for kind in args.backends.split(","):
        made = {name: build(kind, network(n, args.p, z, total)) for name, z in NOISES.items()}
        times: dict[str, list[float]] = {name: [] for name in NOISES}
        spikes: dict[str, int] = dict.fromkeys(NOISES, 0)
        try:
            for k in range(total):
                for name, backend in made.items():
                    started = time.perf_counter()
                    window = backend.advance(drive)
                    if k >= args.warmup:
                        times[name].append((time.perf_counter() - started) * 1e3)
                        spikes[name] += len(window.neurons)
        finally:
            for backend in made.values():
                backend.close()
        base = float(np.median(times["off"]))
        for name, got in times.items():
            q1, med, q3 = np.percentile(got, [25, 50, 75])
            print(
                f"{kind:6s} noise {name:5s}: {med:8.2f} ms/tick [{q1:.2f}, {q3:.2f}]  "
                f"x{med / base:.3f}  ({spikes[name] / args.ticks:.0f} spikes/tick)"
            )
    for name in ("white", "ou"):
        noise = NOISES[name]
        assert noise is not None
        print(f"noise arithmetic alone, {name}: {arithmetic_ms(n, noise):.2f} ms per 100 steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
