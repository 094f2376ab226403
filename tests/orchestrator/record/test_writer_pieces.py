"""A checkpoint handed to the writer as pieces (its header and the arrays where they lie,
design §27): the writer reads the bytes they are the concatenation of, into one buffer."""

from __future__ import annotations

import os
import pickle
import threading

import numpy as np

from orchestrator.record import writer


def _through_a_pipe(message: object) -> object:
    """``message`` sent down a pipe and read back, as the loop and its writer do (a reader
    thread drains the pipe, so a message larger than the pipe's buffer goes through)."""
    read_end, write_end = os.pipe()
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(writer.read_message(read_end)))
    reader.start()
    try:
        writer.send_message(write_end, message)
    finally:
        os.close(write_end)
        reader.join()
        os.close(read_end)
    return got[0]


def test_pieces_arrive_as_the_bytes_they_join_to_in_one_buffer() -> None:
    rng = np.random.default_rng(1)
    arrays = [rng.random(300_000), np.arange(7, dtype="<i8"), np.zeros(0), rng.random(5)]
    pieces = [b"QNFCKPT1 header", *(memoryview(a).cast("B") for a in arrays), b"tail"]
    expected = b"".join(pieces)
    assert len(expected) > 1 << 21  # larger than a pipe's buffer
    got = _through_a_pipe({"block": 7, "checkpoint": writer.Pieces(tuple(pieces))})
    assert isinstance(got, dict) and got["block"] == 7
    data = got["checkpoint"]
    assert isinstance(data, bytearray) and data == expected


def test_one_buffer_arrives_as_a_bytearray_as_before() -> None:
    data = bytes(range(256)) * 10
    got = _through_a_pipe(("item", pickle.PickleBuffer(data)))
    assert got == ("item", bytearray(data))


def test_pieces_read_some_other_way_are_joined() -> None:
    """Views that are not the whole of one bytearray (not read by ``read_message``): copied."""
    base = bytearray(b"abcdef")
    view = memoryview(base)
    assert writer._joined(view[:2], view[2:4]) == bytearray(b"abcd")
    assert writer._joined(b"ab", bytearray(b"cd")) == bytearray(b"abcd")
    assert writer._joined() == bytearray()
    whole = writer._joined(view[:3], view[3:])
    assert whole is base
