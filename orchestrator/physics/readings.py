"""What one fusion tick measured, as the loop's stages hand it on (design §1, §2b).

Plain records, no behaviour: ``QuantumReading`` is the measure stage's output (the quantum
backend's call turned into estimates), ``SpikeReading`` the spiking and backward-PCI stages'
(the network's tick and its spike phasors compared with the quantum phases), and
``TickReading`` is what the control stage's rules read. Units: entropies in nats, energies in
units of H (hbar = 1), phases in radians, drives in mV, seconds of wall time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from orchestrator.physics.coherence import PhaseReport
from orchestrator.physics.pci import AceState
from orchestrator.physics.tick_io import QuantumRequest, SpikeWindow

__all__ = ["EntropyReading", "QuantumReading", "SpikeReading", "TickReading"]


@dataclass(frozen=True)
class EntropyReading:
    """H_coh of one tick (spec §6) over the measured Z-basis distribution.

    plugin, miller_madow: both estimates, nats (equal on an exact distribution).
    used: the one ``ace.estimator`` names. normalised: used / (n ln 2).
    """

    plugin: float
    miller_madow: float
    used: float
    normalised: float


@dataclass(frozen=True)
class QuantumReading:
    """The measure stage: one quantum call's results as estimates.

    bloch: (n, 3) Bloch vectors (<X>, <Y>, <Z>) after the evolution.
    psi: (C,) complex per-channel amplitudes (qubit mapping: (<X> + i<Y>)/2; amplitude
        mapping: the exact amplitudes).
    statevector: (2^n,) exact amplitudes when the backend returned them and the amplitude
        mapping or the MaxCut decoder (``maxcut.decode``) reads them, else None.
    entropy: H_coh. fusion_energy: <H> estimated from this tick's own measurements.
    readout, job_ids, attempts, usage_seconds: as the backend returned them.
    seconds: wall time of the backend call.
    request: the preparation this tick ran (None where a reading is built by hand).
    z_samples: (shots, n) uint8, the Z-basis samples of a shot run (entry [s, q]: qubit q's
        bit in shot s, raw); None in statevector mode and in hand-built readings.
    shots: shots executed by the call, per basis label (issue 22's budget); circuits: its
        circuits (one per basis with shots, one without: statevector).
    """

    bloch: np.ndarray
    psi: np.ndarray
    statevector: np.ndarray | None
    entropy: EntropyReading
    fusion_energy: float
    readout: tuple[np.ndarray, ...] | None
    job_ids: tuple[str, ...]
    attempts: tuple[Mapping[str, Any], ...]
    usage_seconds: float | None
    seconds: float
    request: QuantumRequest | None = None
    z_samples: np.ndarray | None = None
    shots: Mapping[str, int] = field(default_factory=dict)
    circuits: int = 0


@dataclass(frozen=True)
class SpikeReading:
    """The spiking and backward-PCI stages: the network's tick and its spike phasors.

    drive_mv: (N,) the drive the forward PCI handed the network.
    window: the tick's spikes and end voltages.
    phasors: (C,) per-channel spike phasors F_c (|F_c| <= 1/2).
    phases: the phase comparison of psi and F (§14 resonance check).
    coherence_energy: E_coh of §5.
    seconds: wall time of the spiking backend's tick.
    """

    drive_mv: np.ndarray
    window: SpikeWindow
    phasors: np.ndarray
    phases: PhaseReport
    coherence_energy: float
    seconds: float

    @property
    def spike_count(self) -> int:
        return int(self.window.neurons.size)


@dataclass(frozen=True)
class TickReading:
    """What the control stage's rules read: the tick's number, both readings, and what the
    tick ran with: its preparation and coupling constants (the loop always gives them; None
    only in hand-built readings).
    """

    tick: int
    quantum: QuantumReading
    spikes: SpikeReading
    preparation: QuantumRequest | None = None
    coupling: AceState | None = None
