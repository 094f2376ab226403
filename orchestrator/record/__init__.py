"""The bytes of a run on disk: canonical JSON, ledger, events, checkpoints, writer, report."""
