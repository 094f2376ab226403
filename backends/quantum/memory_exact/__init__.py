"""The exact memory engine (§10): config.py (SDK-free plugin), backend.py (quantum_info)."""
