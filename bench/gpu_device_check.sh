#!/usr/bin/env bash
# The prepared GPU check of issue 25 item 5 (design §30), for a session lent a device machine:
# one call, well inside the 10-minute command limit, from the repository root:
#
#   run(command="bash bench/gpu_device_check.sh", timeout_s=600)
#   run(command="bash bench/gpu_device_check.sh", timeout_s=600, carry=[".whl"])  # see below
#
# What it does (each step bounded by `timeout`, so the whole stays under ~9 minutes):
#   1. names the card, the driver and the Python, numpy and cupy it finds;
#   2. installs carried wheels from .whl/ (if any) into /tmp/site, offline;
#   3. checks the array estimators on the card against the same code on numpy and against
#      the CPU estimator (n = 20, mixed Hamiltonian): prints the largest differences;
#   4. runs bench/gpu.py for n = 26..33: with Aer's arms where Aer there has a GPU device,
#      else --estimators-only (the estimators on the card and the bandwidth floor) and says so.
# Results: $OUT/log.txt (everything printed), $OUT/gpu.json (bench/gpu.py's rows).
#
# What the device machine implies (read /work/.library/device/README.md and KINDS.md):
# - It has no network: nothing can be installed there but wheels carried in the working tree
#   (`carry`), at most 64 MiB with the tree itself.
# - Its Python is 3.12 (/opt/torch/.venv) with numpy 2.x and cupy-cuda13x; the project's locked
#   environment is Python 3.10 (lava-nc) and cannot be built there (uv would download an
#   interpreter). So this script runs the parts that need only numpy and cupy
#   (orchestrator/physics/statevector_xp.py and bench/gpu.py's estimator arms) in that Python.
# - Aer's GPU arms need qiskit, qiskit-aer-gpu (cp312: 0.18.2, 19.5 MiB) and, for a CUDA 12
#   build, the CUDA 12 libraries it links (libcudart.so.12, libcublas, libcusolver.so.11,
#   libcusparse, libcustatevec, libcutensornet; the image holds CUDA 13's): as wheels, cuBLAS
#   alone is 554 MiB, the set ~1.6 GiB. They cannot travel (64 MiB), so on the machines lent
#   here the Aer arms are refused in one line and only --estimators-only runs, unless a later
#   image carries them. To try anyway with what fits: put the wheels in .whl/ (git-ignored:
#   `echo /.whl/ >> .git/info/exclude`) and name it in carry.
set -uo pipefail
out="${OUT:-/tmp/gpu-device-check}"
mkdir -p "$out"
exec > >(tee "$out/log.txt") 2>&1
py="${PYTHON:-python3}"  # SIZES="26 28" overrides the qubit counts
export PYTHONUNBUFFERED=1

echo "== card"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$py" -c "import sys, numpy, cupy; print('python', sys.version.split()[0], 'numpy', \
numpy.__version__, 'cupy', cupy.__version__)" || { echo "no cupy in $py: nothing to run"; exit 2; }

if compgen -G ".whl/*.whl" >/dev/null; then
    echo "== carried wheels"
    timeout 120 "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi

echo "== agreement: the same estimator code on cupy and numpy, and the CPU estimator (n = 20)"
timeout 180 "$py" - <<'EOF'
import sys
import numpy as np
import cupy

sys.path.insert(0, ".")
from orchestrator.physics.statevector import StatevectorEstimator
from orchestrator.physics.statevector_xp import ArrayEstimator
from tests.orchestrator.physics.test_statevector_xp import mixed_hamiltonian, random_state

n = 20
h, psi = mixed_hamiltonian(n), random_state(n, 5)
on_card = ArrayEstimator(h, cupy, chunk_bits=16).estimate(cupy.asarray(psi))
on_host = ArrayEstimator(h, np, chunk_bits=16).estimate(psi)
cpu = StatevectorEstimator(h).estimate(psi)
for name, ref in (("numpy, same code", on_host), ("CPU estimator", cpu)):
    print(f"cupy vs {name}: energy {abs(on_card.energy - ref.energy):.3e}, "
          f"bloch {np.abs(on_card.bloch - ref.bloch).max():.3e}, "
          f"entropy {abs(on_card.entropy - ref.entropy):.3e}")
ok = abs(on_card.energy - cpu.energy) <= 1e-12 * max(1.0, abs(cpu.energy))
ok &= bool(np.abs(on_card.bloch - cpu.bloch).max() <= 1e-12)
print("agreement:", "ok (1e-12)" if ok else "FAILED")
sys.exit(0 if ok else 1)
EOF

echo "== bench/gpu.py"
mode=(--estimators-only)
if "$py" -c "
import sys
from qiskit_aer import AerSimulator
sys.exit('GPU' not in AerSimulator().available_devices())" 2>/dev/null; then
    mode=()
else
    echo "Aer with a GPU device is not importable here (no qiskit-aer-gpu with its CUDA libraries):"
    echo "running --estimators-only (the estimators on the card and the bandwidth floor)"
fi
read -r -a sizes <<<"${SIZES:-26 27 28 29 30 31 32 33}"
timeout 420 "$py" bench/gpu.py "${mode[@]}" --repeats 3 --json "$out/gpu.json" "${sizes[@]}"
echo "bench/gpu.py exit: $?"
