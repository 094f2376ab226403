"""A FIFO that cannot hang a test: code that blocks opening or reading it is fed and released.

Reading a FIFO blocks until a writer opens it, for ever if none does (issue 27, F7: a config,
a NIR file or a key file given as a FIFO hung ``qnf``). ``fed_fifo(path, data)`` makes the
FIFO and a thread that, each time a reader opens it, writes what of ``data`` fits the pipe
without waiting (64 KiB on Linux) and closes: code that blocks on it gets that instead (and
then behaves visibly wrong, which the test sees), and code that refuses it at once leaves the
writer with a broken pipe. On exit the writer is released and joined. No clock is involved.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["fed_fifo"]


@contextmanager
def fed_fifo(path: Path, data: bytes) -> Iterator[Path]:
    os.mkfifo(path)
    done = threading.Event()

    def feed() -> None:
        while True:
            fd = os.open(path, os.O_WRONLY)  # blocks until a reader opens it
            try:
                if done.is_set():
                    return
                os.set_blocking(fd, False)  # never wait on a reader: what fits the pipe
                os.write(fd, data)
            except OSError:  # the reader looked and closed (EPIPE), or the pipe is full
                pass
            finally:
                os.close(fd)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield path
    finally:
        done.set()
        release = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        writer.join()
        os.close(release)
