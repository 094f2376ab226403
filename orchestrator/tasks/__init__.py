"""Task definitions: problem instances, exact and classical solutions, decoders."""
