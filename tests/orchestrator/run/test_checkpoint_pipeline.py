"""A tick's checkpoint digested while the next tick runs, its network state's arrays reused
(design §27, issue 25 item 3): the order of the blocks, the rollback target kept intact, nothing
lost when a tick fails. The bytes and roots themselves are the golden roots' business."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from orchestrator.config import load_config
from orchestrator.contract.spiking import NetworkState
from orchestrator.record.ledger import read_blocks
from orchestrator.run.loop import FusionLoop
from orchestrator.run.rollback import Rollback
from orchestrator.run.runner import execute, started_run


def _bytes(state: NetworkState) -> dict[str, bytes]:
    return {k: np.asarray(v).tobytes() for k, v in state.arrays.items()}


def test_the_rollback_target_is_never_overwritten_by_a_reused_snapshot(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every tick's snapshot is written into a state an earlier tick took (the target it
    replaced, or a tick that did not become one), never into the current rollback target,
    which reverts restore (unstable.yaml reverts 3 times in 20 ticks)."""
    from tests.conftest import ASSETS

    marked: dict[int, dict[str, bytes]] = {}  # block -> its network's bytes when marked
    mark = Rollback.mark

    def marking(self: Rollback, height: int, sha: str, meta: Any, arrays: Any, network: Any):
        marked[height] = _bytes(network)
        mark(self, height, sha, meta, arrays, network)

    monkeypatch.setattr(Rollback, "mark", marking)
    with started_run(load_config(ASSETS / "unstable.yaml"), tmp_path / "run") as run:
        session = run.session
        reused: list[bool] = []
        take = type(session.loop.spiking).snapshot_reusing

        def counting(backend: Any, spare: NetworkState | None) -> NetworkState:
            state = take(backend, spare)
            old = {} if spare is None else spare.arrays
            reused.append(any(state.arrays.get(k) is v for k, v in old.items()))
            return state

        monkeypatch.setattr(type(session.loop.spiking), "snapshot_reusing", counting)

        def check(record: Any, done: int, total: int) -> None:
            stable = session.rollback.stable
            assert stable is not None
            if stable.height in marked:
                assert _bytes(stable.network) == marked[stable.height]

        status = session.drive(check)
        session.recorder.flush()
        session.loop.close()
        session.recorder.close()
    assert status == "completed"
    events = [e for _, e, _ in read_blocks(tmp_path / "run" / "ledger.sqlite")]
    assert sum(e["kind"] == "revert" for e in events) == 3
    assert len(marked) > 3 and sum(reused) > len(reused) // 2  # most snapshots reused a state


def test_a_block_is_appended_after_the_next_tick_ran_and_all_before_drive_returns(
    tmp_path: Path,
) -> None:
    """When a tick's callback runs, the tick before it is appended and its own block waits for
    its digest, except after a tick whose verdict may trigger a rollback (appended at once,
    so the revert follows it); when ``drive`` returns every tick is appended."""
    from tests.conftest import ASSETS

    seen: list[tuple[int, int, bool]] = []  # (tick, blocks appended, trigger)
    with started_run(load_config(ASSETS / "unstable.yaml"), tmp_path / "run") as run:
        session = run.session

        def check(record: Any, done: int, total: int) -> None:
            seen.append((record.tick, session.recorder.height, bool(record.verdict.trigger)))

        assert session.drive(check) == "completed"
        appended = session.recorder.height
        session.recorder.flush()
        session.loop.close()
        session.recorder.close()
    blocks = list(read_blocks(tmp_path / "run" / "ledger.sqlite"))
    assert appended == len(blocks)
    heights = {e["tick"]: h for h, e, _ in blocks if e["kind"] == "tick"}  # the last path's
    final = {tick: (height, trigger) for tick, height, trigger in seen}  # the last path's
    assert {trigger for _, trigger in final.values()} == {True, False}  # both kinds seen
    for tick, (height, trigger) in final.items():
        assert height == heights[tick] + (1 if trigger else 0), tick


def test_a_tick_that_fails_leaves_the_tick_before_it_appended(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The tick before a failing one was taken (its digest running) when the failure came:
    it is appended all the same, as it was when blocks were appended at once."""
    from tests.conftest import ASSETS

    step = FusionLoop.step

    def failing(self: FusionLoop):
        if self.tick == 3:
            raise RuntimeError("the backend broke")
        return step(self)

    monkeypatch.setattr(FusionLoop, "step", failing)
    with pytest.raises(RuntimeError, match="the backend broke"):
        execute(load_config(ASSETS / "small.yaml"), tmp_path / "run", draw_report=False)
    ticks = [e for _, e, _ in read_blocks(tmp_path / "run" / "ledger.sqlite")]
    assert [e["tick"] for e in ticks if e["kind"] == "tick"] == [0, 1, 2]
    assert all(e["checkpoint_sha256"] for e in ticks)
