"""Reading an input file a user names (a config, a NIR graph, a key file) with bounded work.

``read_regular(path, limit)`` opens the file without blocking (``O_NONBLOCK``: opening a FIFO
for reading otherwise waits for a writer, forever), refuses anything but a regular file
before reading a byte (a FIFO, ``/dev/zero``, a directory, a socket), refuses a file larger
than ``limit`` bytes by its size, and reads at most ``limit + 1`` bytes (a file that grows
while it is read is refused too). Symbolic links are followed: a link to a regular file is a
regular file. Every refusal is an ``InputFileError`` whose message is one line naming the path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["InputFileError", "read_regular"]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class InputFileError(ValueError):
    """An input file that cannot be read as one: ``str(exc)`` is ``PATH: what is wrong``."""


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: str | Path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them (see the module).

    what: what the file is, for messages ("config", "NIR file", "key file").
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputFileError(f"{path}: cannot read the {what} ({reason})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(
                f"{path}: is {_kind(info.st_mode)}, not a regular file; give the {what} itself"
            )
        if info.st_size > limit:
            raise InputFileError(
                f"{path}: {info.st_size} bytes, larger than the {limit} bytes a {what} may have"
            )
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputFileError(f"{path}: cannot read the {what} ({reason})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputFileError(f"{path}: larger than the {limit} bytes a {what} may have")
    return b"".join(chunks)
