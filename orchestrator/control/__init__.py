"""Rules that carry state from tick to tick and change what the next tick does."""
