"""Sweep pools other than the built-in local one (``orchestrator/contract/sweep_pool.py``)."""
