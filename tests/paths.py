"""Where things are, for tests at any depth of the tree."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
ASSETS = TESTS / "assets"
CONFIGS = ROOT / "configs"
