"""A run's spiking network as a NIR graph (``qnf export-nir RUN_DIR``).

The network is the one the run built from its config (``assemble.build_network``: neurons,
LIF parameters, synapses); with plasticity on, the weights are the learned ones of the run's
newest readable checkpoint (``weights_mv`` of its network state), else the initial ones. The
graph (``orchestrator.config.nir_graph.graph_from_network``) carries in
``metadata["qnfusion"]`` dt_ms, refractory_ms, the checkpoint's block and the run's config
hash. Reading it back as ``spiking.network: {nir: ...}`` gives the same network.
"""

from __future__ import annotations

from pathlib import Path

from orchestrator.config.nir_graph import graph_from_network
from orchestrator.config.root import load_config
from orchestrator.record import checkpoint
from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.run.assemble import build_network
from orchestrator.run.state import decode_state

__all__ = ["export_nir"]


def export_nir(run_dir: Path, out: Path) -> Path:
    """Write ``run_dir``'s network (learned weights included) to ``out`` as NIR; ``out``."""
    import nir

    files = RunDirectory(run_dir)
    if not files.is_run():
        raise ValueError(f"{run_dir}: not a run directory (no {files.LEDGER})")
    config = load_config(files.config)
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
                _, _, network = decode_state(checkpoint.read(path, sha))
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
    nir.write(out, graph)
    return out
