"""The Lava backend: config.py (SDK-free config and plugin), backend.py, and its process graph."""
