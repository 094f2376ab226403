"""A run's spiking network as a NIR graph (``qnf export-nir RUN_DIR``).

The network is the one the run built from its config (``assemble.build_network``: neurons,
LIF parameters, synapses); with plasticity on, the weights are the learned ones of the run's
newest readable checkpoint (``weights_mv`` of its network state), else the initial ones. The
graph (``orchestrator.contract.nir_graph.graph_from_network``) carries in
``metadata["qnfusion"]`` dt_ms, refractory_ms, the checkpoint's block and the run's config
hash. Reading it back as ``spiking.network: {nir: ...}`` gives the same network.

NIR's ``Linear`` holds the recurrent weights as a dense N x N matrix: a network with synapses
and more than ``NIR_MAX_NEURONS`` neurons is refused with one line (issue 10: a 10^5-neuron
run's matrix would be 74.5 GiB) before anything is read or allocated.
"""

from __future__ import annotations

import io
from pathlib import Path

from orchestrator.config.stored import load_stored_config
from orchestrator.contract.nir_graph import graph_from_network
from orchestrator.record import checkpoint
from orchestrator.record.fsutil import write_atomic
from orchestrator.record.ledger import read_blocks
from orchestrator.record.ledger_events import FEDERATION_GENESIS
from orchestrator.record.rundir import RunDirectory
from orchestrator.run.assemble import build_network
from orchestrator.run.state import decode_state

__all__ = ["NIR_MAX_NEURONS", "export_nir"]

NIR_MAX_NEURONS = 16384  # a dense 16384^2 float64 matrix: 2 GiB


def export_nir(run_dir: Path, out: Path) -> Path:
    """Write ``run_dir``'s network (learned weights included) to ``out`` as NIR; ``out``."""
    import nir

    files = RunDirectory(run_dir)
    if not files.is_run():
        raise ValueError(f"{run_dir}: not a run directory (no {files.LEDGER})")
    config = load_stored_config(files.config)
    genesis = next(read_blocks(files.ledger), (0, {}, {}))[1]
    if config.federation is not None and genesis.get("kind") == FEDERATION_GENESIS:
        nodes = [node.id for node in config.federation.nodes]
        raise ValueError(
            f"{run_dir}: a federation's directory holds one network per node; export a "
            f"node's: qnf export-nir {run_dir / 'nodes' / nodes[0]} (nodes: {', '.join(nodes)})"
        )
    n = config.n_neurons()
    has_synapses = config.spiking.network is not None or (
        config.spiking.recurrent is not None and config.spiking.recurrent.expected_synapses(n)
    )
    if has_synapses and n > NIR_MAX_NEURONS:
        raise ValueError(
            f"{run_dir}: NIR stores the recurrent weights as a dense N x N matrix "
            f"({8 * n * n / 2**30:.1f} GiB at N = {n}); export-nir takes at most "
            f"{NIR_MAX_NEURONS} neurons with synapses"
        )
    spec = build_network(config)
    weights, block = spec.weight_mv, 0
    if spec.stdp is not None:
        stored = [
            (h, e["checkpoint_sha256"])
            for h, e, _ in read_blocks(files.ledger)
            if e.get("checkpoint_sha256")
        ]
        for height, sha in reversed(stored):
            path = files.checkpoint(height)
            if path.is_file():
                try:  # a replay record (design §27) needs the backend: an older whole one
                    _, _, network = decode_state(checkpoint.read(path, sha))
                except checkpoint.ReplayRequired:
                    continue
                weights, block = network.arrays["weights_mv"], height
                break
    graph = graph_from_network(
        spec.n_neurons,
        spec.tau_m_ms,
        spec.v_th_mv,
        spec.v_reset_mv,
        spec.refractory_ms,
        spec.dt_ms,
        spec.pre,
        spec.post,
        weights,
        metadata={"checkpoint_block": block, "config_sha256": config.config_hash()},
    )
    image = io.BytesIO()
    nir.write(image, graph)
    write_atomic(out, image.getvalue())  # whole or not at all, private (fsutil)
    return out
