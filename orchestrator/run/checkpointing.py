"""A tick's checkpoint, taken at the tick boundary and digested while the next tick runs (§27).

The tick's FusionEvent records the SHA-256 of its checkpoint's bytes, so the block cannot be
hashed before that digest is known; at 10^5 neurons it is one SHA-256 pass over ~390 MiB
(~0.3 s, issue 25 item 3). Nothing the next tick computes depends on it: the loop's step reads
the loop's state, not the ledger. So the session takes the checkpoint when the tick ends (the
network's state copied out of the backend, the loop's arrays copied, the checkpoint's header
made: everything that can change afterwards) and a thread digests those pieces while the next
tick runs (hashlib lets the other threads run while it hashes); the session appends the block
once the next tick has run (``Session.finish``), before anything else is appended. The block
is made durable by the writer as before: its checkpoint file first, then the block.

``Taken.result()`` joins the thread: (SHA-256, what the recorder is handed to store): the
pieces of the whole checkpoint (sent to the writer as they lie, never joined here), or a
replay record's bytes (packed in the thread too).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import final

from orchestrator.record import checkpoint

__all__ = ["Stored", "Taken"]

Stored = bytes | list[bytes | memoryview]  # what ``RunRecorder.append`` stores as the file


@final
class Taken:
    """The SHA-256 of ``ckpt``'s bytes, computed in a thread started here, and what to store.

    ``ckpt`` must not change until ``result()`` returned: its arrays are the session's copies.
    ``pack(sha256, size)``: the stored bytes (a replay record), made in the same thread; None:
    the whole checkpoint is stored, as its pieces.
    """

    def __init__(
        self, ckpt: checkpoint.Checkpoint, pack: Callable[[str, int], bytes] | None = None
    ) -> None:
        self.pieces = checkpoint.parts(ckpt)  # the header is made here, in the caller's thread
        self._pack = pack
        self._sha256 = ""
        self._stored: Stored | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="qnf-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._sha256, size = checkpoint.parts_digest(self.pieces)
            self._stored = self.pieces if self._pack is None else self._pack(self._sha256, size)
        except BaseException as exc:  # raised in the caller's thread by result()
            self._error = exc

    def result(self) -> tuple[str, Stored]:
        """(SHA-256 of the checkpoint's bytes, what to store); waits for the thread."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._stored is not None
        return self._sha256, self._stored
