"""Issue 25 item 5: the statevector tick on a GPU against Aer alone and against the card's
memory-bandwidth floor, n = 26..33, side by side in one run (design §30).

    python bench/gpu.py                              # n = 26..33 on the GPU (Aer's GPU build)
    python bench/gpu.py 26 28 30 --repeats 5 --json bench/results/gpu.json
    python bench/gpu.py --estimators-only            # no Aer: the estimators and the floor
    python bench/gpu.py --dry-run 8 10 12            # CPU only, numpy, small n (a check here)

Per n (the weighted Ising ring + chords of ``bench/scale_statevector.py``: ZZ on the ring and on
n/2 chords, X on every qubit, Suzuki-2, 2 reps, dt 0.25; ``aer.method: statevector``):

- ``aer_s``: Aer alone: the backend's ``execute`` back to back on one request (the same
  transpiled circuit, ``device: GPU``); it ends with the final state in host memory, as Aer
  returns it (``result.get_statevector``: no handle on its device buffer).
- ``tick_s``: the tick's quantum stage as the loop runs it: ``execute``, then the backend's
  estimator (``backends.quantum.aer.gpu.DeviceEstimator``: the host state copied to the card,
  <H>, Bloch vectors and H_coh there). The spiking half (2n Brian2 neurons) is not in it.
- ``copy_s``: that host-to-device copy alone; ``estimators_s``: the estimators alone on a
  state already on the card (random amplitudes drawn there).
- ``floor_s``: the bytes a tick cannot avoid touching over the card's bandwidth: the
  estimators must read the final state once, 16 2^n bytes (Aer's own passes are not counted:
  they depend on its gate fusion). Bandwidth ``bw_copy``: a device-to-device copy of 1 GiB
  timed with CUDA events, counting bytes read and written (the figure used); ``bw_spec``: the
  peak from the device properties (memory clock x bus width x 2), reported beside it.
- ratios: tick / aer (the tick's cost over Aer alone), tick / floor, estimators / floor.

Each timing is the median of ``--repeats`` calls after one warm call; CUDA work is
synchronised before each clock read. Sizes that do not fit (the card's free memory: the state,
Aer's or ours, plus ~1 GiB; the host's: the copy Aer returns) are skipped with a line saying
why. One JSON line per n on stdout, a table on stderr at the end.

No GPU: exits 2 with one line (no cupy, no CUDA device, or Aer without its GPU build: then
``--estimators-only`` still measures the estimators and the floor). ``--dry-run`` runs the
same code on the CPU with numpy as the array namespace and Aer's CPU device (small n): the
figures mean nothing for a GPU; it checks that the script works (tests/bench/test_gpu.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere (the device check does)
    sys.path.insert(0, str(ROOT))

from orchestrator.physics.hamiltonian import PauliHamiltonian  # noqa: E402
from orchestrator.physics.statevector_xp import CHUNK_BITS, ArrayEstimator  # noqa: E402

GIB = 2**30


class Refused(Exception):
    """One line, exit 2."""


def ring(n: int) -> PauliHamiltonian:
    """bench/scale_statevector.py's ring: ZZ on the ring (w 1) and n/2 chords (w 0.5), -X."""
    edges = [(i, (i + 1) % n, 1.0) for i in range(n)]
    edges += [(i, (i + n // 2) % n, 0.5) for i in range(n // 2)]
    terms = [("ZZ", (i, j), w) for i, j, w in edges] + [("X", (q,), -1.0) for q in range(n)]
    return PauliHamiltonian.from_terms(n, terms)


# ---------------------------------------------------------------------- the device


class Device:
    """The array namespace and its clock: cupy on the GPU, numpy in a dry run."""

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        if dry_run:
            self.xp: Any = np
            self.name = "CPU (dry run: numpy, Aer's CPU device)"
            return
        try:
            import cupy
        except ImportError:
            raise Refused(
                "bench/gpu.py: no GPU here: cupy is not installed (uv sync --extra gpu, or pip "
                "install cupy-cuda12x / cupy-cuda13x); --dry-run checks the script on the CPU"
            ) from None
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # CUDARuntimeError without a driver
            raise Refused(f"bench/gpu.py: no GPU here: {type(exc).__name__}: {exc}") from None
        if count < 1:
            raise Refused("bench/gpu.py: no GPU here: cupy sees no CUDA device")
        self.xp = cupy
        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"]
        self.name = name.decode() if isinstance(name, bytes) else str(name)
        self.props = props

    def sync(self) -> None:
        if not self.dry_run:
            self.xp.cuda.Device().synchronize()

    def release(self) -> None:
        """Hand cupy's cached blocks back to the driver (Aer allocates outside cupy's pool)."""
        if not self.dry_run:
            self.sync()
            self.xp.get_default_memory_pool().free_all_blocks()

    def free_bytes(self) -> int:
        if self.dry_run:
            return host_available()
        self.release()
        free, _total = self.xp.cuda.runtime.memGetInfo()
        return int(free)

    def bandwidth_copy(self, nbytes: int = GIB) -> float:
        """Bytes per second of a device-to-device copy (read + write counted)."""
        xp = self.xp
        a = xp.ones(nbytes // 8)
        b = xp.empty_like(a)
        b[...] = a
        self.sync()
        times = []
        for _ in range(5):
            start = time.perf_counter()
            b[...] = a
            self.sync()
            times.append(time.perf_counter() - start)
        del a, b
        self.release()
        return 2 * nbytes / min(times)

    def bandwidth_spec(self) -> float | None:
        """Peak bytes per second from the device properties (None in a dry run)."""
        if self.dry_run:
            return None
        clock_khz = self.props.get("memoryClockRate", 0)
        bus_bits = self.props.get("memoryBusWidth", 0)
        return 2.0 * clock_khz * 1e3 * bus_bits / 8 if clock_khz and bus_bits else None


def host_available() -> int:
    """MemAvailable of /proc/meminfo in bytes (sysconf's physical pages where unreadable)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def timed(device: Device, call: Callable[[], Any], repeats: int) -> float:
    """Median seconds of ``repeats`` calls after one warm call (synchronised)."""
    call()
    device.sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        device.sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def random_state(device: Device, n: int) -> Any:
    """A normalised random state drawn on the device, chunk by chunk (no 2^n temporaries)."""
    xp = device.xp
    psi = xp.empty(1 << n, dtype=np.complex128)
    step = 1 << min(n, 24)
    rng = xp.random.default_rng(n) if device.dry_run else xp.random
    for start in range(0, 1 << n, step):
        psi[start : start + step] = rng.standard_normal(2 * step).view(np.complex128)
    norm = float(xp.sqrt(xp.sum(psi.real**2 + psi.imag**2)))
    psi /= norm
    return psi


# ---------------------------------------------------------------------- Aer


def aer_backend(n: int, dry_run: bool) -> Any:
    """The Aer backend of the ring on the GPU (Aer's CPU device in a dry run)."""
    from backends.quantum.aer.backend import AerBackend
    from backends.quantum.aer.config import AerConfig
    from orchestrator.contract.quantum import QuantumProgram

    program = QuantumProgram(ring(n), 0.25, 2, 2, False, (), want_statevector=True)
    aer = {"method": "statevector", "device": "CPU" if dry_run else "GPU"}
    return AerBackend(AerConfig(kind="aer", aer=aer), program)


def check_aer(device: Device) -> None:
    """Refuse in one line unless Aer has a GPU device (not in a dry run)."""
    if device.dry_run:
        return
    try:
        from backends.quantum.aer import gpu
        from orchestrator.config.errors import ConfigError
    except ImportError as exc:
        raise Refused(
            f"bench/gpu.py: Aer arms need the project's environment ({exc}); "
            "--estimators-only measures the estimators and the floor without it"
        ) from None
    try:
        gpu.check_aer_gpu()
    except ConfigError as exc:
        raise Refused(
            f"bench/gpu.py: {exc.problems[0]}; --estimators-only runs without Aer"
        ) from None
    except ImportError as exc:
        raise Refused(f"bench/gpu.py: {exc}; --estimators-only runs without Aer") from None


def request(n: int) -> Any:
    from orchestrator.contract.quantum import QuantumRequest

    return QuantumRequest(theta=np.linspace(0.3, 2.6, n), phi=np.linspace(0.2, 4.0, n))


# ---------------------------------------------------------------------- one size


def time_estimators(device: Device, h: PauliHamiltonian, n: int, args: argparse.Namespace) -> float:
    """The estimators alone on a random state drawn on the device."""
    estimator = ArrayEstimator(h, device.xp, chunk_bits=args.chunk_bits)
    psi = random_state(device, n)
    return timed(device, lambda: estimator.estimate(psi), args.repeats)


def measure(device: Device, n: int, args: argparse.Namespace, bw: float) -> dict[str, Any]:
    """One size's row. An arm that fails (out of memory, Aer refusing) leaves one line in the
    row instead of ending the run: a device session has one try."""
    state = 16 * 2**n
    row: dict[str, Any] = {"n": n, "device": device.name, "state_gib": state / GIB}
    need = state + 4 * 16 * 2 ** min(n, args.chunk_bits) + GIB // 4
    if device.free_bytes() < need:
        return {
            **row,
            "skipped": f"the card has {device.free_bytes() / GIB:.1f} GiB free, "
            f"the state and the estimators' chunks need {need / GIB:.1f}",
        }
    h = ring(n)
    try:
        row["estimators_s"] = time_estimators(device, h, n, args)  # the state freed after
    except Exception as exc:
        return {**row, "skipped": failure("the estimators", exc)}
    finally:
        device.release()
    row["floor_s"] = state / bw
    row["estimators_over_floor"] = row["estimators_s"] / row["floor_s"]
    if args.estimators_only:
        return row
    if host_available() < state + GIB:
        return {
            **row,
            "skipped_aer": f"the host has {host_available() / GIB:.1f} GiB "
            f"available; Aer returns the state there ({state / GIB:.1f} GiB)",
        }
    try:
        row.update(aer_arms(device, n, h, args))
    except Exception as exc:
        return {**row, "skipped_aer": failure("Aer", exc)}
    finally:
        device.release()
    row["tick_over_aer"] = row["tick_s"] / row["aer_s"]
    row["tick_over_floor"] = row["tick_s"] / row["floor_s"]
    return row


def failure(what: str, exc: Exception) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{what} failed: {type(exc).__name__}: {first}"


def time_copy(device: Device, host: np.ndarray, args: argparse.Namespace) -> float:
    """The host-to-device copy of the state Aer returned (the copy dropped after each call)."""
    return timed(device, lambda: device.xp.asarray(host), args.repeats)


def aer_arms(device: Device, n: int, h: PauliHamiltonian, args: argparse.Namespace) -> dict:
    """Aer alone, the host-to-device copy, and the tick's quantum stage (seconds)."""
    backend = aer_backend(n, device.dry_run)
    try:
        estimator = backend.statevector_estimator(h)
        if estimator is None:  # dry run: the CPU backend has no device estimator
            from backends.quantum.aer.gpu import DeviceEstimator

            estimator = DeviceEstimator(h, device.xp)
        one = request(n)
        out = {"aer_s": timed(device, lambda: backend.execute([one], 7), args.repeats)}
        out["copy_s"] = time_copy(device, backend.execute([one], 7).results[0].statevector, args)
        device.release()

        def tick() -> Any:
            sv = backend.execute([one], 7).results[0].statevector
            return estimator.estimate(sv)

        out["tick_s"] = timed(device, tick, args.repeats)
        return out
    finally:
        backend.close()


def table(rows: list[dict[str, Any]]) -> str:
    cols = [
        "n",
        "aer_s",
        "copy_s",
        "estimators_s",
        "tick_s",
        "floor_s",
        "tick_over_aer",
        "tick_over_floor",
        "estimators_over_floor",
    ]
    lines = ["  ".join(f"{c:>12}" for c in cols)]
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cells.append(
                f"{v:>12}"
                if isinstance(v, int)
                else f"{v:>12.4g}"
                if isinstance(v, float)
                else f"{'-':>12}"
            )
        lines.append("  ".join(cells))
        for why in ("skipped", "skipped_aer"):
            if why in r:
                lines.append(f"  n = {r['n']}: {why.replace('_', ' ')}: {r[why]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, help="qubit counts (26..33; dry run 8..12)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per arm (median)")
    parser.add_argument("--dry-run", action="store_true", help="CPU, numpy, small n: a check")
    parser.add_argument("--estimators-only", action="store_true", help="no Aer arms")
    parser.add_argument("--chunk-bits", type=int, default=CHUNK_BITS, help="estimator chunk")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    sizes = args.sizes or (list(range(8, 13)) if args.dry_run else list(range(26, 34)))
    if args.dry_run and max(sizes) > 20:
        print("bench/gpu.py: --dry-run is for n <= 20 (numpy on the CPU)", file=sys.stderr)
        return 2
    try:
        device = Device(args.dry_run)
        if not args.estimators_only:
            check_aer(device)
    except Refused as exc:
        print(str(exc).replace("\n", " "), file=sys.stderr)
        return 2
    bw = device.bandwidth_copy(GIB // 16 if args.dry_run else GIB)
    spec = device.bandwidth_spec()
    header = {
        "device": device.name,
        "bw_copy_gbs": bw / 1e9,
        "bw_spec_gbs": None if spec is None else spec / 1e9,
    }
    print(json.dumps(header), flush=True)
    rows: list[dict[str, Any]] = []
    for n in sizes:
        row = measure(device, n, args, bw)
        rows.append(row)
        print(json.dumps(row), flush=True)
        if args.json:  # after every size: a run cut short by a time limit keeps its rows
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({**header, "rows": rows}, indent=1))
    bws = f"bandwidth {bw / 1e9:.0f} GB/s (copy)"
    if spec is not None:
        bws += f", {spec / 1e9:.0f} GB/s (spec)"
    print(f"{device.name}; {bws}\n{table(rows)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
