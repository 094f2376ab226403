"""``python -m orchestrator.cli`` (how background workers are started)."""

from orchestrator.cli import main

main()
