"""`qnf backends` (issue 24): compact, with capabilities and the memory engines."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.contract.registry import plugins

runner = CliRunner()


def test_each_backend_says_what_it_can_do_and_memory_engines_are_listed() -> None:
    result = runner.invoke(app, ["backends", "--json"])
    assert result.exit_code == 0
    rows = {(r["layer"], r["kind"]): r for r in json.loads(result.stdout)}
    aer = rows[("quantum", "aer")]["capabilities"]
    # aer runs statevector in its `aer: {method: statevector}` case, trains angles, is seeded
    assert aer["statevector"] and aer["trainable"] and aer["seeded"] and not aer["hardware"]
    brian2 = rows[("spiking", "brian2")]["capabilities"]
    assert brian2["plasticity"] and brian2["snapshot"] and brian2["annealer"]
    pynn = rows[("spiking", "pynn")]["capabilities"]
    assert not pynn["plasticity"]  # static synapses only
    assert {("memory", "exact"), ("memory", "sampled")} <= set(rows)
    for kind in plugins("quantum"):
        assert rows[("quantum", kind)]["capabilities"], kind


def test_the_table_is_one_row_per_backend_and_devices_fold() -> None:
    table = runner.invoke(app, ["backends"], env={"QISKIT_IBM_TOKEN": ""})
    assert table.exit_code == 0
    text = table.stdout
    assert "exact" in text and "sampled" in text and "can do" in text
    assert "fake_sherbrooke" not in text and "qnf backends --devices" in text
    assert "Brian2" not in text  # the summaries ("Brian2 LIF network, ...") only with --long
    assert "Brian2" in runner.invoke(app, ["backends", "--long"]).stdout
