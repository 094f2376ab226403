"""IBM Quantum: config.py (SDK-free config and plugin), backend.py, runtime helpers."""
