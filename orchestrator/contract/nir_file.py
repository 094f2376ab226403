"""Reading a NIR graph file with bounded work (issue 27, F4 and F7).

A NIR file is HDF5, and ``nir.read`` materialises every dataset it holds. So before any
dataset is read:

- the file must be a regular file of at most ``MAX_NIR_BYTES`` (``orchestrator.contract.files``:
  a FIFO would block the read, ``/dev/zero`` never end); its bytes are read once and both
  hashed (the config pins the SHA-256) and parsed from memory, so the graph that runs is the
  one that was hashed;
- the HDF5 structure is walked without reading data: at most ``MAX_NIR_OBJECTS`` groups and
  datasets, only hard links (a soft or external link could name another file: a FIFO, a huge
  one), and the sizes the datasets *declare* (shape x item size) must add up to at most
  ``MAX_NIR_BYTES``: a compressed file of a few kB can declare gigabytes of zeros, and
  ``nir.read`` would inflate them all.

Non-finite parameters are refused when the graph is mapped (``nir_graph.network_from_graph``).
Every refusal is a ``NirRefused`` line.

**Choice:** ``MAX_NIR_BYTES`` = 256 MiB, file and declared data alike: a NIR ``Linear`` weight
is dense, so that holds a fully connected 5,800-neuron population at float64, beyond what a
network read from a file (with checkpoints holding its state) runs here.
"""

from __future__ import annotations

import io
from typing import Any

from orchestrator.contract.files import InputFileError, read_regular

__all__ = [
    "MAX_NIR_BYTES",
    "MAX_NIR_OBJECTS",
    "NirFileError",
    "NirRefused",
    "load_graph",
    "read_graph_bytes",
]

MAX_NIR_BYTES = 256 * 2**20
MAX_NIR_OBJECTS = 10_000


class NirRefused(ValueError):
    """The graph has something the project's spiking layer cannot run (the message names it)."""


class NirFileError(NirRefused):
    """The NIR file itself cannot be read (missing, not a regular file, too large)."""


def read_graph_bytes(path: Any) -> bytes:
    """The bytes of the NIR file at ``path`` (a regular file, at most ``MAX_NIR_BYTES``)."""
    try:
        return read_regular(path, MAX_NIR_BYTES, "NIR file")
    except InputFileError as exc:
        raise NirFileError(str(exc)) from None


def _declared(data: bytes) -> None:
    """Refuse the structure before any dataset is read (module docstring)."""
    import h5py

    refused: list[str] = []
    objects = declared = 0

    def visit(name: str, link: Any) -> bool | None:
        nonlocal objects, declared
        objects += 1
        if objects > MAX_NIR_OBJECTS:
            refused.append(f"more than {MAX_NIR_OBJECTS} HDF5 groups and datasets")
            return True
        if not isinstance(link, h5py.HardLink):
            refused.append(f"'{name}' is a {type(link).__name__}; only hard links are read")
            return True
        item = f.get(name, getlink=False)
        if isinstance(item, h5py.Dataset):
            size = int(item.size or 0) * max(int(item.dtype.itemsize), 1)
            declared += size
            if declared > MAX_NIR_BYTES:
                refused.append(
                    f"dataset '{name}' declares shape {item.shape} of {item.dtype} "
                    f"({size} bytes): the file's data would exceed {MAX_NIR_BYTES} bytes"
                )
                return True
        return None

    try:
        with h5py.File(io.BytesIO(data), "r") as f:
            f.visititems_links(visit)
    except Exception as exc:  # h5py raises many kinds for a file that is not HDF5
        raise NirRefused(f"not a readable NIR graph ({type(exc).__name__}: {exc})") from None
    if refused:
        raise NirRefused(refused[0])


def load_graph(data: bytes) -> Any:
    """The ``nir.NIRGraph`` in ``data`` (a NIR file's bytes), after the checks above."""
    import nir

    _declared(data)
    try:
        return nir.read(io.BytesIO(data))
    except Exception as exc:  # h5py and nir raise many kinds for a file that is not NIR
        raise NirRefused(f"not a readable NIR graph ({type(exc).__name__}: {exc})") from None
