"""``qnf backends``: the device snapshots, and the real devices of a saved account.

Snapshots come from the SDK-free table (``fake_devices``), instantly. Real devices are listed
only where credentials exist (``QISKIT_IBM_TOKEN`` or a saved account): the service is asked
for its backends, with a time limit, and a failure becomes a ``note`` row (redacted) instead
of an error. No credential is ever part of a row.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from backends.quantum.common.fake_devices import FAKE_DEVICES, runtime_version

__all__ = ["list_devices"]

REAL_DEVICES_TIMEOUT_SECONDS = 30.0

# Where qiskit-ibm-runtime saves accounts (its accounts.management default): where this file is
# absent or holds no account and QISKIT_IBM_TOKEN is unset, `qnf backends` says so without
# importing qiskit (seconds; issue 25 item 1). Anything else goes to the runtime's own reader.
ACCOUNT_FILE = Path("~") / ".qiskit" / "qiskit-ibm.json"


def _no_saved_account() -> bool:
    """True when the runtime's account file is absent or an empty JSON object."""
    path = ACCOUNT_FILE.expanduser()
    try:
        return not path.exists() or json.loads(path.read_text()) == {}
    except (OSError, ValueError):
        return False  # the runtime reads it and says what is wrong

NO_ACCOUNT = {
    "name": "-",
    "qubits": None,
    "kind": "note",
    "summary": "no IBM Quantum account here (QISKIT_IBM_TOKEN or a saved account): "
    "real devices not listed",
}


def _real_devices() -> list[dict[str, Any]]:
    token = os.environ.get("QISKIT_IBM_TOKEN")
    if not token and _no_saved_account():
        return [dict(NO_ACCOUNT)]
    from backends.quantum.ibm.runtime import redact, saved_account_names

    names = saved_account_names()
    if not token and not names:
        return [dict(NO_ACCOUNT)]
    found: list[dict[str, Any]] = []
    failure: list[str] = []

    def ask() -> None:
        try:
            from qiskit_ibm_runtime import QiskitRuntimeService

            service = QiskitRuntimeService()
            for backend in service.backends(simulator=False):
                found.append(
                    {
                        "name": backend.name,
                        "qubits": backend.num_qubits,
                        "kind": "device",
                        "summary": "IBM Quantum device (account)",
                    }
                )
        except Exception as exc:  # the listing is informative; a failure is a note
            failure.append(f"{type(exc).__name__}: {redact(str(exc).splitlines()[0])}")

    worker = threading.Thread(target=ask, daemon=True)
    worker.start()
    worker.join(REAL_DEVICES_TIMEOUT_SECONDS)
    if worker.is_alive():
        failure.append(f"no answer within {REAL_DEVICES_TIMEOUT_SECONDS:g} s")
    if failure:
        return [
            {
                "name": "-",
                "qubits": None,
                "kind": "note",
                "summary": f"real devices not listed: {failure[0]}",
            }
        ]
    return sorted(found, key=lambda row: row["name"])


def list_devices() -> list[dict[str, Any]]:
    """Rows of ``name``, ``qubits``, ``kind`` (snapshot, device or note) and ``summary``."""
    version = runtime_version()  # once: each look reads the package metadata
    snapshots = [
        {
            "name": name,
            "qubits": qubits,
            "kind": "snapshot",
            "summary": f"offline snapshot (qiskit-ibm-runtime {version}), device noise",
        }
        for name, (qubits, _) in FAKE_DEVICES.items()
    ]
    return snapshots + _real_devices()
