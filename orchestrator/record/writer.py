"""The run's writer: a forked process that makes blocks durable while the loop computes.

Per block: the checkpoint file (temp file, fsync, rename, fsync of the directory), the ledger
block (one SQLite transaction, ``synchronous=FULL``), the CSV rows, pruning of old
checkpoints. Done in another *process* because Python threads cannot take this off the
critical path: the loop's threads (Aer's simulation, Brian2's run) hold the GIL nearly all the
time, so a writer thread waited for it on every one of its many short system calls and, in
measurement, made ticks slower than writing synchronously (BENCHMARKS.md).

Protocol: the main process sends length-prefixed pickles of ``WriteItem`` down a pipe, strictly
in block order; the writer answers each with the block's height once committed (the tick is
then acknowledged), ``FLUSHED`` to a flush request, or an error message, and stops on ``STOP``
or when the main process is gone (end of file, or its parent pid changes); it ignores
SIGINT, SIGTERM and SIGHUP (a terminal's Ctrl+C reaches it too). After a crash of
the main process the writer still commits every item it received whole, then exits; it holds
the run directory's lock until then (an inherited descriptor), so a resume waits for it.

Right after ``fork`` the writer closes every descriptor it does not need (another process's
pipes, SQLite connections, the console), opens its own files and leaves with ``os._exit``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import pickle
import signal
import sqlite3
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue
from typing import Any

from orchestrator.record import checkpoint, checkpoint_delta, checkpoint_replay, faults
from orchestrator.record.events import metrics_row, qubit_rows
from orchestrator.record.failure import RecorderError, write_failure
from orchestrator.record.faults import crash_point
from orchestrator.record.ledger import PreparedBlock, commit_block, connect
from orchestrator.record.rundir import RunDirectory

__all__ = ["FLUSH", "FLUSHED", "STOP", "DurableWriter", "WriteItem", "read_message", "start"]

FLUSH, FLUSHED, STOP = "flush", "flushed", "stop"
# A terminal's Ctrl+C reaches the whole process group; the main process decides what a signal
# means (orchestrator.run.interrupt), the writer finishes what it was given.
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_HEADER = struct.Struct("<Q")
_AHEAD = 2  # messages read ahead of the one being written (each may hold a checkpoint)


@dataclass(frozen=True)
class Pieces:
    """Checkpoint bytes as the pieces they are the concatenation of (a header, the arrays
    where they lie): each travels out of band, uncopied; the writer reads them into one
    buffer and gets that buffer (``_joined``)."""

    views: tuple[bytes | memoryview, ...]

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, tuple[Any, ...]]:
        return _joined, tuple(pickle.PickleBuffer(v) for v in self.views)


def _joined(*views: Any) -> bytearray:
    """The bytes of ``Pieces`` in the writer: ``read_message`` reads a message's out-of-band
    buffers into one bytearray, so pieces that tile it are that bytearray (no copy)."""
    if not views:
        return bytearray()
    base = getattr(views[0], "obj", None)
    tiled = all(getattr(v, "obj", None) is base for v in views)
    if isinstance(base, bytearray) and tiled and sum(len(v) for v in views) == len(base):
        return base
    return bytearray(b"".join(views))


@dataclass(frozen=True)
class WriteItem:
    """One block to make durable (its CSV rows come from the block's event JSON)."""

    block: PreparedBlock
    # pieces or a pickle buffer in the main process; a bytearray in the writer
    checkpoint: bytes | bytearray | pickle.PickleBuffer | Pieces | None
    protect: int | None  # height of the stable checkpoint at submission time (never pruned)


class DurableWriter:
    """Writes items in order into a run directory (used inside the writer process).

    Checkpoints are stored as deltas against the previous checkpoint file, a full one every
    ``full_every`` (``orchestrator.record.checkpoint_delta``), compressed when ``compress``;
    ``full_every`` 1 without ``compress`` writes the checkpoint's bytes as they are (the
    format before deltas). Pruning keeps every base a kept checkpoint needs.
    """

    def __init__(
        self, run_dir: RunDirectory, keep: int, full_every: int = 1, compress: bool = False
    ) -> None:
        self.run_dir = run_dir
        self.keep = keep
        self.full_every = full_every
        self.compress = compress
        self.conn = connect(run_dir.ledger)
        self.metrics_fh = open(run_dir.metrics, "a", newline="")  # noqa: SIM115
        self.qubits_fh = open(run_dir.qubits, "a", newline="")  # noqa: SIM115
        self.metrics = csv.writer(self.metrics_fh)
        self.qubits = csv.writer(self.qubits_fh)
        self.bases: dict[int, int | None] = {}  # kept checkpoint -> the one it is a delta of
        for path in run_dir.checkpoints.glob("*.ckpt"):
            height = run_dir.checkpoint_height(path)
            if height is not None:
                self.bases[height] = _base_height(run_dir, path)
        self.kept = sorted(self.bases)
        self.previous: tuple[int, bytes] | None = None  # the last checkpoint written, decoded
        self.chain = 0  # deltas written since the last full checkpoint
        self.seconds = 0.0  # time spent writing (reported with each acknowledgement)

    def write(self, item: WriteItem) -> None:
        """Make one block durable; ``RecorderError`` naming the file if the disk refuses."""
        start = time.perf_counter()
        height = item.block.height
        event = json.loads(item.block.event)
        if item.checkpoint is not None:
            path = self.run_dir.checkpoint(height)
            stored = self._stored(height, item.checkpoint, event.get("checkpoint_sha256"))
            with _writing(path, height):
                checkpoint.write(path, stored, height)
        with _writing(self.run_dir.ledger, height):
            commit_block(self.conn, item.block)
        crash_point("after-commit", height)
        if event["kind"] == "tick":
            with _writing(self.run_dir.metrics):
                self.metrics.writerow(metrics_row(event))
                self.metrics_fh.flush()
            with _writing(self.run_dir.qubits):
                self.qubits.writerows(qubit_rows(event))
                self.qubits_fh.flush()
        if item.checkpoint is not None:
            self.kept.append(height)
            self._prune(item.protect)
        self.seconds += time.perf_counter() - start

    def _stored(self, height: int, data: bytes, sha256: str | None) -> bytes:
        """What goes into the file of checkpoint ``data`` (block ``height``)."""
        if checkpoint_replay.is_replay(data):  # packed by the session (design §27)
            self.bases[height] = self.run_dir.checkpoint_height(
                self.run_dir.checkpoints / checkpoint_replay.base_of(data)
            )
            return data
        if self.full_every == 1 and not self.compress:
            self.bases[height] = None
            return data
        sha = sha256 or checkpoint.digest(data)
        previous = self.previous
        if previous is None or self.chain + 1 >= self.full_every:
            stored = checkpoint_delta.pack(data, sha, compress=self.compress)
            self.bases[height], self.chain = None, 0
        else:
            base_file = self.run_dir.checkpoint(previous[0]).name
            stored = checkpoint_delta.pack(data, sha, previous[1], base_file, self.compress)
            self.bases[height], self.chain = previous[0], self.chain + 1
        self.previous = (height, data)
        return stored

    def _prune(self, protect: int | None) -> None:
        keep = set(self.kept[-self.keep :]) | {0}
        if protect is not None:
            keep.add(protect)
        for height in list(keep):  # and every base a kept delta needs
            base = self.bases.get(height)
            while base is not None and base not in keep:
                keep.add(base)
                base = self.bases.get(base)
        for height in [h for h in self.kept if h not in keep]:
            path = self.run_dir.checkpoint(height)
            with _writing(path):
                path.unlink(missing_ok=True)
            self.bases.pop(height, None)
        self.kept = [h for h in self.kept if h in keep]

    def close(self) -> None:
        self.metrics_fh.close()
        self.qubits_fh.close()
        self.conn.close()


def _base_height(run_dir: RunDirectory, path: Path) -> int | None:
    """The checkpoint a stored file is a delta of (None: full, old or unreadable)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
            size = int.from_bytes(head[8:16], "little")
            if checkpoint_replay.is_replay(head):
                name = checkpoint_replay.base_of(head + fh.read(min(size, 1 << 26)))
            elif checkpoint_delta.is_delta(head):
                name = checkpoint_delta.base_name(head + fh.read(min(size, 1 << 26)))
            else:
                return None
    except (OSError, checkpoint.CheckpointError):
        return None
    return None if name is None else run_dir.checkpoint_height(path.with_name(name))


@contextlib.contextmanager
def _writing(path: Path, block: int | None = None) -> Iterator[None]:
    """Turn an I/O failure while writing ``path`` into a ``RecorderError`` that names it."""
    try:
        if block is not None:
            faults.disk_full(block, path)
        yield
    except (OSError, sqlite3.Error) as exc:
        raise write_failure(exc, path) from None


def send_message(fd: int, message: Any) -> None:
    """Frame: u64 pickle length, u64 buffer count, u64 per buffer, the pickle, the buffers.

    A ``pickle.PickleBuffer`` in ``message`` (a checkpoint's bytes) travels out of band: never
    copied into the pickle, written from where it lies.
    """
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    views = [memoryview(b).cast("B") for b in buffers]
    head = _HEADER.pack(len(data)) + _HEADER.pack(len(views))
    head += b"".join(_HEADER.pack(v.nbytes) for v in views)
    for view in (memoryview(head + data), *views):
        while view:
            view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytearray | None:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        n = os.readv(fd, [view[got:]])
        if not n:
            return None  # end of file (a partial message counts as none)
        got += n
    return buffer


def read_message(fd: int) -> Any:
    """The next message, or None at end of file (out-of-band buffers come as one bytearray,
    or as views of one when there are several)."""
    header = _read_exactly(fd, 2 * _HEADER.size)
    if header is None:
        return None
    size, count = struct.unpack("<QQ", header)
    sizes = _read_exactly(fd, count * _HEADER.size) if count else bytearray()
    body = _read_exactly(fd, size)
    if sizes is None or body is None:
        return None
    lengths = [nbytes for (nbytes,) in _HEADER.iter_unpack(sizes)]
    whole = _read_exactly(fd, sum(lengths))  # every buffer of the message, in one bytearray
    if whole is None:
        return None
    buffers: list[bytearray | memoryview] = [whole]
    if len(lengths) != 1:
        view, at, buffers = memoryview(whole), 0, []
        for nbytes in lengths:
            buffers.append(view[at : at + nbytes])
            at += nbytes
    return pickle.loads(body, buffers=buffers)


def _receive(inbox: int, queue: Queue[Any]) -> None:
    """The writer's reader thread: drains the pipe into ``queue`` (a few messages ahead of the
    writing), so that the loop's send does not wait while a checkpoint is being packed."""
    try:
        while True:
            message = read_message(inbox)
            queue.put(message)
            if message is None or message == STOP:
                return
    except BaseException as exc:  # handed to the writing thread, which raises it
        queue.put(_Failed(exc))


@dataclass(frozen=True)
class _Failed:
    exc: BaseException


def _serve(
    run_dir: RunDirectory, keep: tuple[int, int, bool], inbox: int, outbox: int, main_pid: int
) -> None:
    try:
        writer = DurableWriter(run_dir, *keep)
    except (OSError, sqlite3.Error) as exc:
        raise write_failure(exc, run_dir.path) from None
    inbound: Queue[Any] = Queue(maxsize=_AHEAD)
    threading.Thread(target=_receive, args=(inbox, inbound), daemon=True).start()
    answers = _Answers(outbox)
    try:
        while True:
            try:
                message = inbound.get(timeout=0.5)
            except Empty:
                if os.getppid() != main_pid:  # the main process is gone; nothing more comes
                    break
                continue
            if isinstance(message, _Failed):
                raise message.exc
            if message is None or message == STOP:
                break
            if message == FLUSH:
                answers.send((FLUSHED, writer.seconds))
                continue
            writer.write(message)
            answers.send((message.block.height, writer.seconds))
    except BaseException:
        with contextlib.suppress(Exception):  # a full disk fails the close too; report the first
            writer.close()
        raise
    writer.close()


class _Answers:
    """The writer's side of the acknowledgement pipe. Once the main process is gone (killed:
    nobody reads the pipe any more, a write fails with EPIPE) answers are dropped and the
    writer goes on: every item it was handed whole is still committed. Raising there, as it
    once did, ended the writer after the block in hand and lost the blocks queued behind it,
    among them a federated node's ``consensus`` block whose round the coordinator had
    already committed: the node resumed without the round's pull (design §12)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.reader_gone = False

    def send(self, message: Any) -> None:
        if self.reader_gone:
            return
        try:
            send_message(self.fd, message)
        except BrokenPipeError:
            self.reader_gone = True


def _close_other_descriptors(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            with contextlib.suppress(OSError):  # e.g. the descriptor listdir itself used
                os.close(fd)


def start(
    run_dir: RunDirectory,
    keep: int,
    hold: tuple[int, ...] = (),
    full_every: int = 1,
    compress: bool = False,
) -> tuple[int, int, int]:
    """Fork the writer; return (pid, fd to send items on, fd to read acknowledgements from).

    ``keep``, ``full_every``, ``compress``: as ``DurableWriter`` takes them.

    ``hold``: descriptors the writer keeps open until it exits (the run directory's lock).
    """
    items_r, items_w = os.pipe()
    acks_r, acks_w = os.pipe()
    main_pid = os.getpid()
    # blocked across the fork, so none reaches the writer before it ignores them
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    pid = os.fork()
    if pid == 0:  # the writer
        code = 0
        try:
            for signum in _STOP_SIGNALS:
                signal.signal(signum, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            _close_other_descriptors({items_r, acks_w, *hold})
            devnull = os.open(os.devnull, os.O_RDWR)
            for std in (0, 1, 2):
                os.dup2(devnull, std)
            faults.in_writer(main_pid)
            _serve(run_dir, (keep, full_every, compress), items_r, acks_w, main_pid)
        except BaseException as exc:  # reported to the main process, which raises it
            code = 1
            if isinstance(exc, RecorderError):
                report = (str(exc), exc.path, exc.errno)
            else:
                text = f"writing the run directory failed: {type(exc).__name__}: {exc}"
                report = (text, None, None)
            with contextlib.suppress(OSError):
                send_message(acks_w, ("error", report))
        os._exit(code)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    os.close(items_r)
    os.close(acks_w)
    return pid, items_w, acks_r
