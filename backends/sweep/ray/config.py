"""The Ray sweep pool's registration (SDK-free: ``qnf sweep`` checks it without importing Ray).

``qnf sweep --pool ray`` runs each point as a Ray task holding one CPU (``backend.py``).
``--address`` is passed to ``ray.init``: ``auto`` joins the cluster this host belongs to
(started with ``ray start``), ``HOST:PORT`` a given head, and none starts a private
single-host Ray with ``--workers`` CPUs (default: this host's cores) for the sweep's length.
On a cluster the sweep directory must be the same path on every host (a shared filesystem):
each task writes its point's run directory itself.
"""

from __future__ import annotations

from orchestrator.contract.sweep_pool import PoolPlugin

__all__ = ["RAY_POOL"]

RAY_POOL = PoolPlugin(
    kind="ray",
    implementation="backends.sweep.ray.backend:RayPool",
    requires=("ray",),
    install="pip install 'qnfusion[ray]' (or: uv sync --extra ray)",
    distribution="ray",
    summary="Each point a Ray task (one CPU), on a Ray cluster or a private single-host Ray.",
)
