"""Hybrid jobs: a durable job store, background workers with leases, and their commands."""
