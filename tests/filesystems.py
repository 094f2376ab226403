"""Real file-system faults for tests: a small tmpfs (a full disk), a read-only mount.

Mounting needs root with CAP_SYS_ADMIN. Where it is refused, ``small_disk`` falls back to the
documented seam ``QNF_DISK_FULL_AT`` (``orchestrator.record.faults``): the run's writer then
fails with ENOSPC as a full disk would. A read-only directory falls back to ``chmod`` for a
user other than root (root writes through permissions); as root without mount it cannot be
made, and the tests that need one skip, saying why.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SmallDisk", "read_only_dir", "small_disk"]


def _mount(*args: str) -> bool:
    try:
        done = subprocess.run(["mount", *args], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


@dataclass
class SmallDisk:
    """``path``: a directory that fills after a few hundred kB; ``env``: what a run there needs
    (the seam's variable when no tmpfs could be mounted); ``free()`` makes room again."""

    path: Path
    real: bool
    env: dict[str, str] = field(default_factory=dict)

    def free(self) -> None:
        if self.real:
            assert _mount("-o", "remount,size=64m", str(self.path))
        self.env.clear()


@contextmanager
def small_disk(root: Path, size: str = "300k", seam_block: int = 12) -> Iterator[SmallDisk]:
    path = root / "small-disk"
    path.mkdir()
    if _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)):
        try:
            yield SmallDisk(path, real=True)
        finally:
            _umount(path)
        return
    yield SmallDisk(path, real=False, env={"QNF_DISK_FULL_AT": str(seam_block)})


@contextmanager
def read_only_dir(path: Path) -> Iterator[str]:
    """Make ``path`` (an existing directory) read-only inside; yields how ("mount", "chmod")."""
    if _mount("--bind", str(path), str(path)):
        try:
            if _mount("-o", "remount,bind,ro", str(path)):
                yield "mount"
                return
        finally:
            _umount(path)
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        os.chmod(path, 0o555)
        try:
            yield "chmod"
        finally:
            os.chmod(path, mode)
        return
    import pytest

    pytest.skip("a read-only directory needs mount (root writes through chmod)")
