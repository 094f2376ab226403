"""The job store: leases, claims, cancellation, resumable states."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from orchestrator.jobs.store import JobError, JobStore


def _submit(store: JobStore, ticks: int = 5) -> str:
    return store.submit("c.yaml", "{}", None, ticks, "aer+brian2").id


def test_two_workers_never_claim_the_same_job(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = JobStore(home)
    ids = {_submit(store) for _ in range(40)}
    claimed: dict[str, list[str]] = {}
    lock = threading.Lock()

    def claimer(name: str) -> None:
        mine = JobStore(home)
        while (job := mine.claim(name)) is not None:
            with lock:
                claimed.setdefault(job.id, []).append(name)
        mine.close()

    threads = [threading.Thread(target=claimer, args=(f"w{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(claimed) == ids
    assert all(len(owners) == 1 for owners in claimed.values())


def test_an_expired_lease_reads_as_interrupted_and_can_be_resumed(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job_id = _submit(store)
    job = store.claim("w1", lease_s=0.05)
    assert job is not None and job.state == "running"
    # the lease is the witness for a worker on another host (this host's: its process)
    store._conn.execute("UPDATE jobs SET worker_host = 'another-host' WHERE id = ?", (job_id,))
    time.sleep(0.1)
    assert store.get(job_id).state == "interrupted"
    assert not store.renew(job_id, "someone-else", 1, None)
    again = store.requeue(job_id)
    assert again.state == "queued" and again.resume


def test_a_live_worker_on_this_host_keeps_its_job_whatever_its_lease_says(
    tmp_path: Path,
) -> None:
    store = JobStore(tmp_path)
    job_id = _submit(store)
    store.claim("w1", lease_s=-1.0)  # expired at once: a renewal that came late
    assert store.get(job_id).state == "running"
    with pytest.raises(JobError, match="only a stopped job resumes"):
        store.requeue(job_id)


def test_a_dead_worker_process_reads_as_interrupted_at_once(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job_id = _submit(store)
    store.claim("w1", lease_s=3600)
    proc = subprocess.Popen(["sleep", "60"])
    proc.kill()
    proc.wait()
    store._conn.execute("UPDATE jobs SET worker_pid = ? WHERE id = ?", (proc.pid, job_id))
    assert store.get(job_id).state == "interrupted"


def test_cancel_and_requeue_rules(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    queued = _submit(store)
    assert store.request_cancel(queued).state == "cancelled"
    with pytest.raises(JobError, match="nothing to cancel"):
        store.request_cancel(queued)
    running = _submit(store)
    store.claim("w1")
    job = store.request_cancel(running)
    assert job.state == "running" and job.cancel_requested and store.cancel_requested(running)
    with pytest.raises(JobError, match="only a stopped job resumes"):
        store.requeue(running)
    store.finish(running, "w1", "completed", 5, "ab" * 32, None)
    with pytest.raises(JobError, match="completed"):
        store.requeue(running)


def test_ids_resolve_by_unique_prefix(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job_id = _submit(store)
    assert store.get(job_id[:6]).id == job_id
    with pytest.raises(JobError, match="no job"):
        store.get("zzzz")


def test_qnf_home_moves_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestrator.jobs.store import qnf_home

    monkeypatch.setenv("QNF_HOME", str(tmp_path / "elsewhere"))
    assert qnf_home() == tmp_path / "elsewhere"
    monkeypatch.delenv("QNF_HOME")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert qnf_home() == tmp_path / "xdg" / "qnfusion"


def test_a_store_made_before_worker_started_existed_gains_the_column(tmp_path: Path) -> None:
    import sqlite3

    from orchestrator.jobs.storefile import SCHEMA

    tmp_path.mkdir(exist_ok=True)
    old = sqlite3.connect(tmp_path / "jobs.sqlite")
    old.executescript(SCHEMA)  # the tables as the first stores had them
    old.close()
    read_only = JobStore(tmp_path, write=False)  # opened as it is (here: writable, so migrated)
    read_only.close()
    store = JobStore(tmp_path)
    job_id = _submit(store)
    store.claim("w1")
    assert store.get(job_id).state == "running"
    columns = {r[1] for r in store._conn.execute("PRAGMA table_info(jobs)")}
    assert "worker_started" in columns
