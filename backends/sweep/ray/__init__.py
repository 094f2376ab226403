"""The Ray sweep pool: config.py (SDK-free plugin), backend.py (each point a Ray task)."""
