"""``qnf backends``: what is registered, installed, and what each backend can do."""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated, Any

import typer

from orchestrator.cli.app import app, out


def capabilities(plugin: Any) -> dict[str, Any]:
    """What a backend can do in some configuration: each capability flag true in any of its
    conformance cases (the configurations it is tested in), the largest register; spiking
    backends add whether they run the Ising annealer. {} for a config that does not validate
    here (its SDK-free checks refuse every case)."""
    from orchestrator.contract.registry import BackendPlugin

    if not isinstance(plugin, BackendPlugin):
        return {}
    found: dict[str, Any] = {}
    for case in plugin.conformance.values():
        try:
            config = plugin.config.model_validate({"kind": plugin.kind, **case.options})
        except ValueError:
            continue
        for key, value in vars(config.capabilities()).items():
            if isinstance(value, bool):
                found[key] = found.get(key, False) or value
            elif value is not None:
                found[key] = max(found.get(key, value), value)
    if plugin.layer == "spiking" and found:
        found["annealer"] = plugin.annealer is not None
    return found


def _can(row: dict[str, Any]) -> str:
    caps = row["capabilities"]
    names = [k for k, v in caps.items() if v is True]
    if caps.get("max_qubits") and not row["devices"]:  # else it is the device's
        names.append(f"<= {caps['max_qubits']} qubits")
    return ", ".join(names) or "-"


def _devices(row: dict[str, Any]) -> str:
    counts = Counter(d["kind"] for d in row["devices"] if d["kind"] != "note")
    if not counts:
        return ""
    return ", ".join(f"{n} {kind}s" for kind, n in sorted(counts.items()))


def _row(layer: str, kind: str, plugin: Any) -> dict[str, Any]:
    from orchestrator.contract.registry import BackendPlugin

    missing = plugin.missing()
    backend = isinstance(plugin, BackendPlugin)
    return {
        "layer": layer,
        "kind": kind,
        "installed": not missing,
        "missing": missing,
        "install": plugin.install if missing else None,
        "version": plugin.version(),
        "package": plugin.distribution,
        "hardware": plugin.hardware() if backend else None,
        "summary": plugin.summary,
        "capabilities": capabilities(plugin),
        "devices": plugin.list_devices() if backend else [],
    }


@app.command()
def backends(
    as_json: Annotated[
        bool, typer.Option("--json", help="Machine-readable output (every device included).")
    ] = False,
    devices: Annotated[
        bool, typer.Option("--devices", help="List each backend's devices (one row each).")
    ] = False,
    long: Annotated[
        bool, typer.Option("--long", "-l", help="Add what each backend is, in a sentence.")
    ] = False,
) -> None:
    """List the registered backends: installed or not, version, what each can do, hardware.

    One row per backend: its capabilities (in the configurations it is tested in: statevector,
    trainable, noisy, seeded, hardware, the largest register; snapshot, weights, plasticity,
    annealer for spiking backends), the hardware behind it, and its devices folded into a
    count (--devices lists them). Besides the quantum and spiking backends: the memory
    engines (`memory.engine`), the federation engines (`federation.engine`) and the sweep
    pools (`qnf sweep --pool`).

    Examples:

      qnf backends

      qnf backends --devices

      qnf backends --json
    """
    from rich.table import Table

    from orchestrator.contract.registry import GROUPS, plugins

    groups = [(group, plugins(group)) for group in GROUPS]  # type: ignore[call-overload]
    rows = [_row(layer, kind, p) for layer, found in groups for kind, p in found.items()]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title="qnfusion backends")
    columns = ["layer", "kind", "installed", "version", "can do", "hardware, devices"]
    for col in [*columns, *(["what it is"] if long else [])]:
        table.add_column(col)
    for r in rows:
        installed = "yes" if r["installed"] else f"no: {r['install']}"
        where = "\n".join(
            x for x in (r["hardware"], _devices(r) and f"devices: {_devices(r)}") if x
        )
        cells = [r["layer"], r["kind"], installed, r["version"] or "-", _can(r), where or "-"]
        table.add_row(*cells, *([r["summary"]] if long else []))
    out.print(table)
    if not any(r["devices"] for r in rows):
        return
    if not devices:
        out.print("devices folded into a count: qnf backends --devices lists them", style="dim")
        return
    for r in rows:
        if r["devices"]:
            listing = Table(title=f"{r['kind']} devices (`device:` in the {r['layer']} section)")
            for col in ("name", "qubits", "kind", "what it is"):
                listing.add_column(col)
            for d in r["devices"]:
                qubits = "-" if d.get("qubits") is None else str(d["qubits"])
                listing.add_row(d["name"], qubits, d["kind"], d.get("summary", ""))
            out.print(listing)
