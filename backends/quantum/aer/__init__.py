"""The Qiskit Aer backend: config.py (SDK-free config and plugin), backend.py."""
