"""``contract.entry_points.scan`` gives ``importlib.metadata.entry_points()``'s answer (or None,
and the caller asks ``importlib.metadata``), on this environment and on crafted ``sys.path``
folders; ``spare_pydantic_scan`` gives pydantic the plugins its own scan would find."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from orchestrator.contract import entry_points
from orchestrator.contract.registry import GROUPS
from tests.paths import ROOT

# The comparisons run in a fresh interpreter: once the ``importlib_metadata`` backport is
# imported (by an earlier test of the same worker, in the full suite) it adds its own finder to
# ``sys.meta_path`` and removes the path finder's ``find_distributions``: the reader then
# answers None, rightly (``test_none_where_another_finder_may_list_distributions``), and
# ``importlib.metadata`` answers through the backport.
COMPARE = """
import importlib.metadata, json, sys
from orchestrator.contract import entry_points
from orchestrator.contract.registry import GROUPS
if len(sys.argv) > 1:
    sys.path[:] = json.loads(sys.argv[1])
found = entry_points.scan.__wrapped__()  # not the process's cached answer
ours = None if found is None else [(ep.group, ep.name, ep.value) for ep in found]
every = importlib.metadata.entry_points()
theirs = [(e.group, e.name, e.value) for g in sorted(every.groups) for e in every.select(group=g)]
loads = {}
if len(sys.argv) == 1 and found is not None:
    for group in GROUPS.values():
        them = {e.name: e for e in importlib.metadata.entry_points(group=group)}
        mine = {e.name: e for e in found if e.group == group}
        loads[group] = [sorted(mine), sorted(them),
                        all(e.load() is them[name].load() for name, e in mine.items())]
print(json.dumps([ours, theirs, loads]))
"""


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """What ``python -c code args`` (in the repository root) prints last, read as JSON."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _compare(path: list[str] | None = None) -> tuple[list | None, list, dict]:
    """(the reader's answer, importlib.metadata's, per group: our names, theirs, same objects
    loaded) in a fresh interpreter, on its own sys.path or on ``path``."""
    args = [] if path is None else [json.dumps(path)]
    ours, theirs, loads = _child(COMPARE, *args)
    return (None if ours is None else [tuple(e) for e in ours]), [tuple(e) for e in theirs], loads


def _theirs() -> list[tuple[str, str, str]]:
    found = importlib.metadata.entry_points()
    return [
        (ep.group, ep.name, ep.value) for g in sorted(found.groups) for ep in found.select(group=g)
    ]


def _ours() -> list[tuple[str, str, str]] | None:
    found = entry_points.scan.__wrapped__()  # not the process's cached answer
    return None if found is None else [(ep.group, ep.name, ep.value) for ep in found]


def test_the_answer_of_importlib_metadata_here() -> None:
    ours, theirs, _ = _compare()
    assert ours == theirs
    assert {g for g, _, _ in ours} >= set(GROUPS.values())


def test_each_entry_loads_what_importlib_metadata_loads() -> None:
    _, _, loads = _compare()
    assert loads.keys() == set(GROUPS.values())
    for ours, theirs, same in loads.values():
        assert ours == theirs and ours and same


def _dist(root: Path, folder: str, text: str | bytes | None) -> None:
    path = root / folder
    path.mkdir(parents=True)
    if isinstance(text, str):
        (path / "entry_points.txt").write_bytes(text.encode())
    elif isinstance(text, bytes):
        (path / "entry_points.txt").write_bytes(text)


def _crafted(tmp: Path) -> list[str]:
    first, second = tmp / "first", tmp / "second"
    _dist(
        first,
        "alpha-1.0.dist-info",
        "[g1]\na = m:x\n# a comment\n\n  b=m:y  \n[g2]\nc = m.s:z [e]\n",
    )
    _dist(first, "Alpha-2.0.dist-info", "[g1]\nshadowed = s:s\n")  # the same name: grouped
    _dist(first, "beta.egg-info", "orphan = o:o\r\n[g1]\r\na = other:v\r\n")  # a second a
    _dist(first, "gamma-1.dist-info", None)  # no entry_points.txt
    (first / "delta-0.1.egg-info").write_text("Metadata-Version: 1.0\n")  # a file
    _dist(first, "eps_ilon-3.dist-info", "[[g3]]\nx = a=b\n[ g4 ]\ny =  spaced : v \n")
    _dist(first, "pkg", "[g1]\nnot = metadata:x\n")  # not a metadata folder
    _dist(second, "alpha-9.dist-info", "[g1]\nhidden = h:h\n")  # shadowed by first's alpha
    _dist(second, "zeta-1.dist-info", "[g1]\nz = zz:v\na = last:v\n")
    _dist(second, "Eps.Ilon-4.dist-info", "[g1]\nhidden2 = h:h\n")  # eps_ilon, normalized
    return [str(first), str(tmp / "missing"), str(second)]


def test_the_answer_of_importlib_metadata_on_crafted_folders(tmp_path) -> None:
    ours, theirs, _ = _compare(_crafted(tmp_path))
    assert ours == theirs
    assert ("g1", "a", "other:v") in ours and ("g3", "x", "a=b") in ours  # the cases are there
    assert not {name for _, name, _ in ours} & {"shadowed", "hidden", "hidden2", "not", "orphan"}


@pytest.mark.parametrize(
    "case", ["upper-case extension", "line without =", "not utf-8", "zip", "egg", "bytes entry"]
)
def test_none_where_it_would_not_promise_the_same(case, tmp_path, monkeypatch) -> None:
    root = tmp_path / "site"
    root.mkdir()
    path: list = [str(root)]
    if case == "upper-case extension":  # importlib.metadata reads this one's METADATA
        _dist(root, "Foo-1.DIST-INFO", "[g]\na = b:c\n")
    elif case == "line without =":
        _dist(root, "foo-1.dist-info", "[g]\njust a line\n")
    elif case == "not utf-8":
        _dist(root, "foo-1.dist-info", b"[g]\na = \xff:b\n")
    elif case == "zip":
        with zipfile.ZipFile(tmp_path / "dists.zip", "w") as z:
            z.writestr("foo-1.dist-info/entry_points.txt", "[g]\na = b:c\n")
        path.append(str(tmp_path / "dists.zip"))
    elif case == "egg":
        _dist(root, "foo-1.egg", None)
        path.append(str(root / "foo-1.egg"))
    else:
        path.append(str(root).encode())
    monkeypatch.setattr(sys, "path", path)
    assert _ours() is None
    if case in ("line without =", "not utf-8"):  # importlib.metadata refuses them too
        with pytest.raises((TypeError, UnicodeDecodeError)):
            _theirs()


def test_none_where_another_finder_may_list_distributions(monkeypatch) -> None:
    class Finder:
        def find_spec(self, *args):
            return None

        def find_distributions(self, *args, **kwargs):
            return iter(())

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    assert _ours() is None


PROBE = """
import json, sys
from pydantic.plugin import _loader
from orchestrator.contract.entry_points import spare_pydantic_scan
if sys.argv[1] == "spare":
    spare_pydantic_scan()
spared = _loader._plugins
print(json.dumps([spared is not None, sorted(_loader.get_plugins(), key=repr).__repr__()]))
"""


def _probe(mode: str, pythonpath: str | None = None) -> list:
    env = {**os.environ}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([pythonpath, env.get("PYTHONPATH", "")])
    return _child(PROBE, mode, env=env)


def test_pydantic_finds_the_plugins_its_own_scan_finds() -> None:
    assert _probe("spare") == [True, "[]"]  # told beforehand: no plugin
    assert _probe("own") == [False, "[]"]  # its own scan: none either


STAND_IN = """
import importlib, json, sys
if sys.argv[1] == "refused":  # a pydantic whose loader wants more of importlib.metadata
    real = importlib.import_module
    def import_module(name, *args):
        if name == "pydantic.plugin._loader" and "refused" not in sys.argv[2:]:
            sys.argv.append("refused")
            raise ImportError("cannot import name 'distributions'")
        return real(name, *args)
    importlib.import_module = import_module
from orchestrator.contract.entry_points import spare_pydantic_scan
spare_pydantic_scan()
imported = "importlib.metadata" in sys.modules
from pydantic.plugin import _loader
import importlib.metadata
theirs = [(e.name, e.value) for e in importlib.metadata.entry_points(group="console_scripts")]
ours = [(e.name, e.value) for e in _loader.entry_points(group="console_scripts")]
print(json.dumps([imported, ours == theirs and bool(theirs), _loader._plugins == {}]))
"""


@pytest.mark.parametrize("mode", ["stand-in", "refused"])
def test_pydantics_loader_is_imported_without_importlib_metadata(mode) -> None:
    """Its ``entry_points`` is importlib.metadata's, imported on the first call; where the
    loader refuses the stand-in, it is imported with the real module."""
    imported, same, spared = _child(STAND_IN, mode)
    assert imported is (mode == "refused")
    assert same and spared


def test_pydantic_scans_itself_where_a_plugin_is_installed(tmp_path) -> None:
    site = tmp_path / "site"
    _dist(site, "myplugin-1.dist-info", "[pydantic]\nmine = my_pydantic_plugin:plugin\n")
    (site / "my_pydantic_plugin.py").write_text(
        "class _Plugin:\n"
        "    def new_schema_validator(self, *args, **kwargs):\n"
        "        return None, None, None\n"
        "plugin = _Plugin()\n"
    )
    spared, found = _probe("spare", str(site))
    assert not spared  # left to pydantic, which finds it
    assert "_Plugin" in found
