"""The SDK-free table of device snapshots matches the installed qiskit-ibm-runtime."""

from __future__ import annotations

import warnings

from backends.quantum.common.fake_devices import (
    FAKE_DEVICES,
    describe_unknown,
    is_fake,
    load_fake,
)


def test_table_matches_the_snapshots_of_the_installed_runtime_whatever_its_version() -> None:
    """Independent answer: the installed provider's own list (no version pinned here)."""
    from qiskit_ibm_runtime.fake_provider import FakeProviderForBackendV2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        installed = {
            b.name: (b.num_qubits, type(b).__name__) for b in FakeProviderForBackendV2().backends()
        }
    assert installed == FAKE_DEVICES, (
        "regenerate the table: python -m backends.quantum.common.fake_devices"
    )


def test_load_fake_builds_one_snapshot_by_name() -> None:
    device = load_fake("fake_sherbrooke")
    assert device.name == "fake_sherbrooke" and device.num_qubits == 127


def test_names_and_misspellings() -> None:
    assert is_fake("fake_torino") and not is_fake("ibm_torino")
    assert "did you mean 'fake_sherbrooke'" in describe_unknown("fake_sherbrook")
