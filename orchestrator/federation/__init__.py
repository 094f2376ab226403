"""The SDK-free federation protocol of spec §12: phase consensus and signed contributions."""
