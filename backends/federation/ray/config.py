"""The Ray engine's registration (SDK-free: validation never imports Ray).

``federation.engine: ray`` makes every node a Ray actor (``backend.py``). ``federation.address``
is passed to ``ray.init``: ``auto`` joins the cluster this host belongs to (started with
``ray start``), ``HOST:PORT`` a given head, and no address starts a private single-host Ray in
the coordinator's process (9-13 s, 0.5-0.7 GB). A node's ``resources`` (``loihi2: 1``,
``ibm_session: 1``) are custom resources its actor holds for its life, so it only starts on
the host whose ``ray start --resources`` declares them; ``num_cpus`` is what it reserves.
"""

from __future__ import annotations

from orchestrator.contract.federation import EnginePlugin

__all__ = ["RAY_ENGINE"]

RAY_ENGINE = EnginePlugin(
    kind="ray",
    implementation="backends.federation.ray.backend:RayEngine",
    requires=("ray",),
    install="pip install 'qnfusion[ray]' (or: uv sync --extra ray)",
    distribution="ray",
    summary="Every node a Ray actor, restarted by Ray from its checkpoint when it dies.",
)
