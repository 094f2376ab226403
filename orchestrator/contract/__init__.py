"""What a backend implements and how it registers: the seam between orchestrator/ and backends/."""
