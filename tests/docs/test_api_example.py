"""docs/api.md's worked example runs as written (issue 24): its python blocks, in order, in
one namespace, from a directory holding the repository's configs/, with a job store of its
own (QNF_HOME)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "api.md"


def blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", DOC.read_text(), flags=re.S | re.M)


def test_the_doc_has_the_example_and_names_every_exported_name() -> None:
    import qnfusion

    assert len(blocks()) >= 6
    text = DOC.read_text()
    for name in qnfusion.__all__:
        if name != "__version__":
            assert re.search(rf"\b{name}\b", text), f"docs/api.md does not mention {name}"


def test_the_worked_example_runs_as_written(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "configs").symlink_to(REPO / "configs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QNF_HOME", str(tmp_path / "home"))
    namespace: dict = {"__name__": "__docs__"}
    for i, code in enumerate(blocks()):
        try:
            exec(compile(code, f"docs/api.md block {i}", "exec"), namespace)
        except Exception as exc:  # name the block that broke
            pytest.fail(f"docs/api.md block {i} raised {type(exc).__name__}: {exc}\n{code}")
    printed = capsys.readouterr().out
    assert "['quantum.shots: must be > 0']" in printed
    run, qaoa, done = namespace["run"], namespace["qaoa"], namespace["done"]
    assert run.status == "completed" and run.result["task"] == "maxcut"
    assert list(run.metrics["tick"]) == list(range(8))
    assert qaoa.result["task"] == "learning" and len(qaoa.learning["epoch"]) == 6
    assert done.status == "completed" and done.final_root == qaoa.final_root
    assert namespace["check"].ok
    assert "not a run directory" in namespace["qnfusion"].verify("runs").problems[0]


def test_import_qnfusion_is_the_documented_api() -> None:
    import orchestrator.api as api
    import qnfusion

    for name in qnfusion.__all__:
        assert getattr(qnfusion, name) is getattr(api, name, getattr(qnfusion, name))
    assert qnfusion.run is api.run and qnfusion.Run is api.Run
