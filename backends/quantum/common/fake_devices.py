"""The device snapshots of ``qiskit_ibm_runtime.fake_provider``, as data (no SDK import).

Config validation must answer offline and without importing an SDK (design §1), yet it has to
refuse ``device: fake_sherbrok`` and a Hamiltonian larger than the snapshot. So the names and
qubit counts of the installed version's snapshots are kept here as a table, and a test compares
the table with ``FakeProviderForBackendV2().backends()`` of the installed qiskit-ibm-runtime, so
it cannot drift. After upgrading qiskit-ibm-runtime, regenerate it with

    python -m backends.quantum.common.fake_devices > /tmp/table.txt   # then paste into FAKE_DEVICES

``load_fake(name)`` (which does import the SDK) builds one snapshot by its class name, without
instantiating all of them (that costs ~5 s).
"""

from __future__ import annotations

from typing import Any

__all__ = ["FAKE_DEVICES", "describe_unknown", "is_fake", "load_fake", "runtime_version"]


def runtime_version() -> str:
    """The installed qiskit-ibm-runtime's version (package metadata: no SDK import), or
    "not installed". The table below must match its snapshots (a test compares them)."""
    import importlib.metadata  # here: validating a config reads no version (design §25)

    try:
        return importlib.metadata.version("qiskit-ibm-runtime")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


FAKE_DEVICES: dict[str, tuple[int, str]] = {
    "fake_aachen": (156, "FakeAachen"),
    "fake_algiers": (27, "FakeAlgiers"),
    "fake_almaden": (20, "FakeAlmadenV2"),
    "fake_armonk": (1, "FakeArmonkV2"),
    "fake_athens": (5, "FakeAthensV2"),
    "fake_auckland": (27, "FakeAuckland"),
    "fake_belem": (5, "FakeBelemV2"),
    "fake_berlin": (120, "FakeBerlin"),
    "fake_boeblingen": (20, "FakeBoeblingenV2"),
    "fake_bogota": (5, "FakeBogotaV2"),
    "fake_boston": (156, "FakeBoston"),
    "fake_brisbane": (127, "FakeBrisbane"),
    "fake_brooklyn": (65, "FakeBrooklynV2"),
    "fake_brussels": (127, "FakeBrussels"),
    "fake_burlington": (5, "FakeBurlingtonV2"),
    "fake_cairo": (27, "FakeCairoV2"),
    "fake_cambridge": (28, "FakeCambridgeV2"),
    "fake_casablanca": (7, "FakeCasablancaV2"),
    "fake_cusco": (127, "FakeCusco"),
    "fake_essex": (5, "FakeEssexV2"),
    "fake_fez": (156, "FakeFez"),
    "fake_fractional": (5, "FakeFractionalBackend"),
    "fake_geneva": (27, "FakeGeneva"),
    "fake_guadalupe": (16, "FakeGuadalupeV2"),
    "fake_hanoi": (27, "FakeHanoiV2"),
    "fake_jakarta": (7, "FakeJakartaV2"),
    "fake_johannesburg": (20, "FakeJohannesburgV2"),
    "fake_kawasaki": (127, "FakeKawasaki"),
    "fake_kingston": (156, "FakeKingston"),
    "fake_kolkata": (27, "FakeKolkataV2"),
    "fake_kyiv": (127, "FakeKyiv"),
    "fake_kyoto": (127, "FakeKyoto"),
    "fake_lagos": (7, "FakeLagosV2"),
    "fake_lima": (5, "FakeLimaV2"),
    "fake_london": (5, "FakeLondonV2"),
    "fake_manhattan": (65, "FakeManhattanV2"),
    "fake_manila": (5, "FakeManilaV2"),
    "fake_marrakesh": (156, "FakeMarrakesh"),
    "fake_melbourne": (15, "FakeMelbourneV2"),
    "fake_miami": (120, "FakeMiami"),
    "fake_montreal": (27, "FakeMontrealV2"),
    "fake_mumbai": (27, "FakeMumbaiV2"),
    "fake_nairobi": (7, "FakeNairobiV2"),
    "fake_nighthawk": (120, "FakeNighthawk"),
    "fake_osaka": (127, "FakeOsaka"),
    "fake_oslo": (7, "FakeOslo"),
    "fake_ourense": (5, "FakeOurenseV2"),
    "fake_paris": (27, "FakeParisV2"),
    "fake_peekskill": (27, "FakePeekskill"),
    "fake_perth": (7, "FakePerth"),
    "fake_pittsburgh": (156, "FakePittsburgh"),
    "fake_poughkeepsie": (20, "FakePoughkeepsieV2"),
    "fake_prague": (33, "FakePrague"),
    "fake_quebec": (127, "FakeQuebec"),
    "fake_quito": (5, "FakeQuitoV2"),
    "fake_rochester": (53, "FakeRochesterV2"),
    "fake_rome": (5, "FakeRomeV2"),
    "fake_santiago": (5, "FakeSantiagoV2"),
    "fake_sherbrooke": (127, "FakeSherbrooke"),
    "fake_singapore": (20, "FakeSingaporeV2"),
    "fake_strasbourg": (127, "FakeStrasbourg"),
    "fake_sydney": (27, "FakeSydneyV2"),
    "fake_torino": (133, "FakeTorino"),
    "fake_toronto": (27, "FakeTorontoV2"),
    "fake_valencia": (5, "FakeValenciaV2"),
    "fake_vigo": (5, "FakeVigoV2"),
    "fake_washington": (127, "FakeWashingtonV2"),
    "fake_yorktown": (5, "FakeYorktownV2"),
}
"""Snapshot name -> (qubits, class name in ``qiskit_ibm_runtime.fake_provider``)."""


def is_fake(device: str) -> bool:
    """A snapshot name (``fake_*``) rather than a real device name."""
    return device.startswith("fake_")


def describe_unknown(device: str) -> str:
    """The message for a ``fake_*`` name that is not a snapshot of the installed version."""
    import difflib

    close = difflib.get_close_matches(device, list(FAKE_DEVICES), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"unknown device snapshot {device!r}{hint}; `qnf backends` lists the "
        f"{len(FAKE_DEVICES)} snapshots of qiskit-ibm-runtime {runtime_version()}"
    )


def load_fake(device: str) -> Any:
    """The ``FakeBackendV2`` snapshot named ``device`` (imports qiskit-ibm-runtime)."""
    if device not in FAKE_DEVICES:
        raise ValueError(describe_unknown(device))
    from qiskit_ibm_runtime import fake_provider

    return getattr(fake_provider, FAKE_DEVICES[device][1])()


def _table() -> str:
    """The table of the installed version, in the source form above."""
    import warnings

    from qiskit_ibm_runtime.fake_provider import FakeProviderForBackendV2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = FakeProviderForBackendV2().backends()
    rows = sorted((b.name, b.num_qubits, type(b).__name__) for b in found)
    return "\n".join(f'    "{name}": ({q}, "{cls}"),' for name, q, cls in rows)


if __name__ == "__main__":
    print(_table())
