"""The Ray federation engine: config.py (SDK-free plugin and address check), backend.py."""
