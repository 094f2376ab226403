"""The Brian2 backend: config.py (SDK-free config and plugin), backend.py, models.py."""
