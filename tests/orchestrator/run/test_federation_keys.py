"""Issue 27 (F5, F7, F13, shipped keys): a federation's key files are checked before anything
is made; `qnf federation keys` writes only inside --out; the repository's demo keys are named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.federation.signing import load_private_key, public_key_hex
from orchestrator.record.ledger import read_blocks
from orchestrator.run.federation import run_federation
from orchestrator.run.federation_keys import KEY_FILE_MAX_BYTES, REPOSITORY_PUBLIC_KEYS
from orchestrator.testing.federation import PHASE_NODE
from tests.federated import write_federation
from tests.fifos import fed_fifo
from tests.paths import CONFIGS, ROOT

runner = CliRunner()


def _run(config: Path, out: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["run", str(config), "--out", str(out), "--no-report"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr.strip().splitlines()


def _break(raw: dict, key_file: Path) -> None:
    raw["federation"]["nodes"][1]["key_file"] = str(key_file)


@pytest.mark.parametrize(
    "damage", ["other-node", "missing", "directory", "oversized", "dev-zero", "not-hex", "fifo"]
)
def test_a_bad_key_file_is_one_line_before_anything_is_made(tmp_path: Path, damage: str) -> None:
    config, raw = write_federation(tmp_path / "cfg", 2, ticks=2, rounds_every_ticks=1)
    bad = tmp_path / "bad.key"
    words = {
        "other-node": "not the private key of node n1",
        "missing": "no such file",
        "directory": "is a directory, not a regular file",
        "oversized": f"larger than the {KEY_FILE_MAX_BYTES} bytes a key file may have",
        "dev-zero": "is a character device, not a regular file",
        "not-hex": "not a private key (64 hex characters",
        "fifo": "is a FIFO (named pipe), not a regular file",
    }[damage]
    if damage == "other-node":
        bad = Path(raw["federation"]["nodes"][0]["key_file"])
    elif damage == "directory":
        bad.mkdir()
    elif damage == "oversized":
        with open(bad, "wb") as fh:
            fh.truncate(1 << 30)  # sparse: refused by its size, nothing read
    elif damage == "dev-zero":
        bad = Path("/dev/zero")
    elif damage == "not-hex":
        bad.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    good = Path(raw["federation"]["nodes"][1]["key_file"]).read_bytes()
    _break(raw, bad)
    broken = config.parent / "broken.yaml"
    broken.write_text(yaml.safe_dump(raw))
    out = tmp_path / "fed"
    if damage == "fifo":
        bad.unlink(missing_ok=True)
        with fed_fifo(bad, good):  # the old code blocked here, then ran with this key
            code, errors = _run(broken, out)
    else:
        code, errors = _run(broken, out)
    assert code == 2
    (line,) = [e for e in errors if not e.startswith("federation: 2 nodes")]  # the run's first
    assert line.startswith("federation.nodes[n1].key_file: ") and words in line, line
    assert not out.exists()  # nothing made: a corrected rerun with the same --out is free

    fixed = load_config(config)  # the keys write_federation made
    result = run_federation(fixed, out, factory=PHASE_NODE)
    assert result.status == "completed"


def test_a_run_signing_with_the_repository_s_demo_keys_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)  # the demo config names configs/keys/*.key
    demo = load_config(CONFIGS / "federated.yaml", {"run.ticks": 5})
    assert {n.public_key for n in demo.federation.nodes} <= set(REPOSITORY_PUBLIC_KEYS)
    result = run_federation(demo, tmp_path / "demo", factory=PHASE_NODE)
    assert result.status == "completed"
    warned = [line for line in capsys.readouterr().err.splitlines() if "demo key" in line]
    assert warned == [
        "warning: nodes lab-a, lab-b, lab-c, lab-d sign with a demo key published in the "
        "qnfusion repository (configs/keys): anyone can forge their contributions; make your "
        "own with `qnf federation keys`"
    ]
    meta = next(read_blocks(tmp_path / "demo" / "ledger.sqlite"))[2]
    assert meta["repository_keys"] == ["lab-a", "lab-b", "lab-c", "lab-d"]

    config, _ = write_federation(tmp_path / "own", 2, ticks=2, rounds_every_ticks=1)
    run_federation(load_config(config), tmp_path / "own-run", factory=PHASE_NODE)
    assert "demo key" not in capsys.readouterr().err
    assert "repository_keys" not in next(read_blocks(tmp_path / "own-run" / "ledger.sqlite"))[2]


def test_the_listed_repository_keys_are_the_ones_in_configs_keys() -> None:
    for public, name in REPOSITORY_PUBLIC_KEYS.items():
        key = load_private_key((ROOT / name).read_text().strip())
        assert public_key_hex(key) == public


def _keys(*args: str) -> tuple[int, list[str], str]:
    result = runner.invoke(app, ["federation", "keys", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr.strip().splitlines(), result.stdout


def test_federation_keys_writes_each_key_inside_out(tmp_path: Path) -> None:
    code, errors, stdout = _keys("lab-a", "lab-b", "--out", str(tmp_path / "keys"))
    assert code == 0 and errors == []
    entries = yaml.safe_load(stdout)["nodes"]
    for entry in entries:
        path = Path(entry["key_file"])
        assert path.parent == tmp_path / "keys" and path.stat().st_mode & 0o077 == 0
        assert public_key_hex(load_private_key(path.read_text().strip())) == entry["public_key"]


@pytest.mark.parametrize(
    ("nodes", "words"),
    [
        (["../../evil"], "'../../evil': not a node id"),
        (["ok", "/etc/evil"], "'/etc/evil': not a node id"),
        (["a", "a"], "'a': given twice"),
        ([".hidden"], "'.hidden': not a node id"),
    ],
)
def test_federation_keys_refuses_a_node_id_that_is_not_a_name(
    tmp_path: Path, nodes: list[str], words: str
) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    code, errors, _ = _keys(*nodes, "--out", str(work / "keys"))
    assert code == 2 and any(words in line for line in errors), errors
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b"]  # nothing written


def test_federation_keys_with_an_out_that_is_a_file_or_holds_a_key_writes_nothing(
    tmp_path: Path,
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("")
    code, errors, _ = _keys("lab-a", "--out", str(taken))
    assert code == 2 and errors == [f"--out: {taken} exists and is not a directory"]

    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "lab-b.key").write_text("mine\n")
    code, errors, _ = _keys("lab-a", "lab-b", "--out", str(keys))
    assert code == 2 and errors == [f"{keys / 'lab-b.key'} exists; keys are never overwritten"]
    assert sorted(p.name for p in keys.iterdir()) == ["lab-b.key"]  # lab-a.key not written


def test_the_documented_example_makes_a_config_that_validates(tmp_path: Path) -> None:
    """Issue 24: `qnf federation keys ... --config configs/federated.yaml > mine.yaml`."""
    code, errors, stdout = _keys(
        "lab-a", "lab-b", "--out", str(tmp_path / "keys"), "--config",
        str(ROOT / "configs" / "federated.yaml"),
    )  # fmt: skip
    assert code == 0 and errors == []
    mine = tmp_path / "mine.yaml"
    mine.write_text(stdout)
    config = load_config(mine)
    assert [n.id for n in config.federation.nodes] == ["lab-a", "lab-b"]
    assert not {n.public_key for n in config.federation.nodes} & set(REPOSITORY_PUBLIC_KEYS)
    assert config.run.ticks == load_config(ROOT / "configs" / "federated.yaml").run.ticks


def test_keys_with_a_config_that_is_not_federated_writes_nothing(tmp_path: Path) -> None:
    code, errors, _ = _keys("lab-a", "--out", str(tmp_path / "keys"), "--config",
                            str(ROOT / "configs" / "demo.yaml"))  # fmt: skip
    assert code == 2 and errors == [f"--config: {ROOT / 'configs' / 'demo.yaml'} has no "
                                    "federation section"]  # fmt: skip
    assert not (tmp_path / "keys").exists()
