"""What a caller hears from a run, and how it stops one: one object for every entry point.

``execute``, ``resume``, ``started_run``, ``resumed_run`` (a run), ``run_federation`` and
``resume_federation`` (a federation) take one ``RunHooks``; a hook left None is not called.
Every hook runs on the caller's thread.

    on_start(identities)          once the backends are built, before the first tick: what
                                  actually runs (backend identities, a fallback's ``notice``;
                                  a resume's notice of checkpoints set aside)
    on_tick(record, done, planned)
                                  after each tick is computed (TickRecord, ticks done so far,
                                  ticks the run plans); its block may be appended after the
                                  next tick (its checkpoint's digest runs meanwhile, §27)
    on_commit(height, event)      after each block is durable (when the writer process's
                                  acknowledgement is read: at a later tick, or when the run
                                  flushes or ends); a federation: each coordinator block
    on_round(outcome)             a federation only: after each round's block is committed
    should_stop()                 checked before each tick (a federation: each round); True
                                  ends the run at that boundary, status ``cancelled``
    interrupt                     the signals that stop the run (``run/interrupt.py``): one
                                  before the run directory exists raises ``Interrupted``
                                  (nothing written); later ones end the run at a tick
                                  boundary, status ``interrupted``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, final

if TYPE_CHECKING:
    from orchestrator.federation.coordinator import RoundOutcome
    from orchestrator.run.interrupt import SignalStop
    from orchestrator.run.tick_record import TickRecord

__all__ = ["CommitCallback", "RoundCallback", "RunHooks", "StartCallback", "TickCallback"]

TickCallback = Callable[["TickRecord", int, int], None]
CommitCallback = Callable[[int, dict[str, Any]], None]
StartCallback = Callable[[dict[str, dict[str, str]]], None]
RoundCallback = Callable[["RoundOutcome"], None]


@final
@dataclass(frozen=True)
class RunHooks:
    """The callbacks and the stop conditions of one run (module docstring)."""

    on_start: StartCallback | None = None
    on_tick: TickCallback | None = None
    on_commit: CommitCallback | None = None
    on_round: RoundCallback | None = None
    should_stop: Callable[[], bool] | None = None
    interrupt: SignalStop | None = None
