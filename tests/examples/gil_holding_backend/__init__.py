"""A test-only quantum backend whose every call holds the GIL for a set time (issue 26)."""
