"""Issue 27 (F4, F7): a NIR file is read with bounded work and refused in one line when it is
not a regular file, too large, declares more data than it may hold, links elsewhere, or holds
a value that is not finite; and a config given as a FIFO is refused instead of hanging."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import h5py
import nir
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.config.errors import ConfigError
from orchestrator.contract.nir_file import MAX_NIR_BYTES
from tests.fifos import fed_fifo
from tests.paths import ASSETS

runner = CliRunner()


def _lif(n: int, **values: Any) -> nir.LIF:
    params = {
        "tau": np.full(n, 0.01),
        "r": np.full(n, 100.0),
        "v_leak": np.zeros(n),
        "v_threshold": np.full(n, 20.0),
        "v_reset": np.zeros(n),
    }
    params.update(values)
    return nir.LIF(**params)


def _graph(n: int = 4, weight: np.ndarray | None = None, **values: Any) -> nir.NIRGraph:
    nodes = {
        "in": nir.Input(np.array([n])),
        "lif": _lif(n, **values),
        "out": nir.Output(np.array([n])),
    }
    edges = [("in", "lif"), ("lif", "out")]
    if weight is not None:
        nodes["rec"] = nir.Linear(weight=weight)
        edges += [("lif", "rec"), ("rec", "lif")]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"qnfusion": {"refractory_ms": 2.0}})


def _config(tmp_path: Path, nir_path: Path | str) -> Path:
    raw = yaml.safe_load((ASSETS / "small.yaml").read_text())
    raw["spiking"] = {"kind": "brian2", "tick_ms": 5.0, "network": {"nir": str(nir_path)}}
    path = tmp_path / "nir.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def _problems(tmp_path: Path, nir_path: Path | str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(_config(tmp_path, nir_path))
    return info.value.problems


def test_a_graph_within_the_bounds_still_runs_as_its_network(tmp_path: Path) -> None:
    w = np.zeros((4, 4))
    w[1, 0] = 0.5
    nir.write(tmp_path / "ok.nir", _graph(weight=w))
    cfg = load_config(_config(tmp_path, tmp_path / "ok.nir"))
    assert cfg.spiking.neurons == 4 and cfg.spiking.refractory_ms == 2.0


def test_dev_zero_as_the_nir_file_is_one_line(tmp_path: Path) -> None:
    (line,) = _problems(tmp_path, "/dev/zero")
    assert line == (
        "spiking.network: /dev/zero: is a character device, not a regular file; give the NIR "
        "file itself"
    )


def test_a_nir_file_larger_than_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.nir"
    with open(big, "wb") as fh:
        fh.truncate(MAX_NIR_BYTES + 1)  # sparse: nothing is read
    (line,) = _problems(tmp_path, big)
    assert line == (
        f"spiking.network: {big}: {MAX_NIR_BYTES + 1} bytes, larger than the {MAX_NIR_BYTES} "
        "bytes a NIR file may have"
    )


def test_a_small_file_declaring_gigabytes_is_refused_before_any_dataset_is_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "inflates.nir"
    nir.write(path, _graph())
    with h5py.File(path, "a") as f:  # 2 GiB of a fill value, stored as nothing at all
        del f["node/nodes/lif/r"]
        f.create_dataset(
            "node/nodes/lif/r", shape=(2**14, 2**14), dtype="f8", chunks=True, compression="gzip"
        )
    assert path.stat().st_size < 100_000
    read = mock.Mock(side_effect=AssertionError("a dataset was materialised"))
    with mock.patch.object(h5py.Dataset, "__getitem__", read):
        (line,) = _problems(tmp_path, path)
    assert line.startswith("spiking: network.nir: dataset 'node/nodes/lif/r' declares shape")
    assert f"the file's data would exceed {MAX_NIR_BYTES} bytes" in line
    read.assert_not_called()


def test_a_link_to_another_file_is_not_followed(tmp_path: Path) -> None:
    path = tmp_path / "linked.nir"
    nir.write(path, _graph())
    with h5py.File(path, "a") as f:
        del f["node/nodes/lif/r"]
        f["node/nodes/lif/r"] = h5py.ExternalLink("/dev/zero", "/r")
    (line,) = _problems(tmp_path, path)
    assert "'node/nodes/lif/r' is a ExternalLink; only hard links are read" in line


@pytest.mark.parametrize(
    ("what", "graph", "words"),
    [
        ("nan-weight", lambda: _graph(weight=np.array([[0, np.nan], [1.0, 0]]), n=2),
         "node 'rec' (Linear): holds a value that is not finite"),
        ("inf-weight", lambda: _graph(weight=np.array([[0, np.inf], [1.0, 0]]), n=2),
         "node 'rec' (Linear): holds a value that is not finite"),
        ("nan-tau", lambda: _graph(tau=np.full(4, np.nan)),
         "node 'lif' (LIF): holds a value that is not finite"),
        ("huge-weight", lambda: _graph(weight=np.array([[0, 1e300], [1.0, 0]]), n=2),
         "a synapse weight (r W dt / tau) is not finite or beyond 1e+09 mV"),
    ],
)  # fmt: skip
def test_a_value_that_is_not_finite_is_refused_naming_the_node(
    tmp_path: Path, what: str, graph: Any, words: str
) -> None:
    nir.write(tmp_path / f"{what}.nir", graph())
    (line,) = _problems(tmp_path, tmp_path / f"{what}.nir")
    assert line.startswith("spiking: network.nir: ") and words in line, line


def test_a_fifo_as_the_nir_file_is_refused_without_waiting(tmp_path: Path) -> None:
    nir.write(tmp_path / "ok.nir", _graph())
    with fed_fifo(tmp_path / "pipe.nir", (tmp_path / "ok.nir").read_bytes()):
        (line,) = _problems(tmp_path, tmp_path / "pipe.nir")
    assert line.endswith(
        "pipe.nir: is a FIFO (named pipe), not a regular file; give the NIR file itself"
    )


def test_a_fifo_as_the_config_is_refused_without_waiting(tmp_path: Path) -> None:
    with fed_fifo(tmp_path / "pipe.yaml", (ASSETS / "small.yaml").read_bytes()):
        result = runner.invoke(app, ["validate", str(tmp_path / "pipe.yaml")])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"{tmp_path / 'pipe.yaml'}: is a FIFO (named pipe), not a regular file; give the config "
        "itself"
    )
