"""The sampled memory engine (spec §10): config.py (plugin), backend.py (any quantum backend)."""
