"""The Brian2 objects of the §3.2 network under both timings (``spiking.brian2.timing``).

``timing: brian2`` (default), V in volts, rest 0::

    tau_m dV_i/dt = -V_i + I_i                          (not integrated while refractory)
    V_i += u_i, u_i = 0                                  (u: recurrent input; dropped while
                                                          refractory)
    V_i >= v_th  ->  spike of i, V_i = v_reset, refractory for t_ref
    spike of i   ->  u_j += w_ij  for every synapse i -> j     (lands in V_j the next step)

integrated exactly (``method="exact"``): ``V(t+dt) = I + (V(t) - I) exp(-dt/tau_m)``. The
recurrent input of a step's spikes is buffered in ``u`` and added to V in the next step after
integration and before the threshold (issue 10, spec §14: V_i < V_th at every step's end, so at
every tick boundary and in every voltage reported; before, ``V_j += w`` landed after the
threshold and left V >= V_th at a boundary, e.g. 20.4 mV). ``u`` is neuron state (snapshotted).

``timing: lava`` is Lava's LIF step (``lava/proc/lif/models.py``, ``PyLifRefractoryModelFloat``)
with Lava's Dense delay, written out so that Brian2 does the same float operations in the same
order (V dimensionless, in mV; step t = timestep + 1, Lava's 1-based step)::

    a = u + x                               u: input that arrived, x: injected (I dv, or a kick)
    v = v (1 - dv) + a     if ref_end < t   (else v is held and the input is dropped)
    v > v_th  ->  spike, v = 0, ref_end = t + P
    spike of i -> u_j += w_ij               (used at the next step: Dense's one-step delay)

with ``dv = 1 - exp(-dt/tau_m)`` and ``P = R - 1`` (``backends.neuromorphic.lava.mapping``).
Under constant drive ``x = I dv`` this is the same exact integration as the default timing;
what differs is that a spike reaches its targets one step later, undecayed, and that input
arriving while refractory is lost. Brian2 on this timing and Lava floating_pt give the same
spike trains (tests/backends/neuromorphic/test_lava_vs_brian2.py).

Noise (``spiking.noise``, ``backends.neuromorphic.common.noise``): a current i_k held over
step k, drawn by the backend's network operation at the step's start. Brian2 timing:
``I_noise = i_k`` joins ``I_drive`` in the exact integration; Lava timing: ``a = u + x + n`` with
``n = i_k dv``, as Lava's noisy neuron adds it. With the same seed both timings draw the same
i_k, and Lava timing gives Lava floating_pt's spikes bit for bit. The OU current ``eta`` is
neuron state (snapshotted); white noise has none.

STDP (``network.stdp.enabled``), pair-based, all-to-all traces, bounds [0, w_max], either
timing (only the delivery of ``w`` differs)::

    tau_pre da_pre/dt = -a_pre        tau_post da_post/dt = -a_post
    pre spike:   deliver w (old w);  a_pre  += A+ w_max;  w <- clip(w + a_post * s_dep, 0, w_max)
    post spike:  a_post -= A- w_max;   w <- clip(w + a_pre * s_pot, 0, w_max)

additive: ``s_pot = s_dep = 1``; multiplicative: ``s_pot = 1 - w/w_max`` and ``s_dep = w/w_max``
(a_post <= 0, so the pre-spike update is the depression).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from backends.neuromorphic.brian2.sdk import b2
from backends.neuromorphic.common.lif import decay, lava_refractory_period
from orchestrator.contract.spiking import NetworkSpec

__all__ = [
    "Timing",
    "neuron_group",
    "noise_target",
    "synapses",
    "threshold_below",
    "voltage_scale",
]

Timing = Literal["brian2", "lava"]


def voltage_scale(timing: Timing) -> float:
    """mV per unit of the group's ``v`` (volts under Brian2 timing, mV under Lava timing)."""
    return 1e3 if timing == "brian2" else 1.0


def threshold_below(v_th_mv: float) -> float:
    """The largest float below ``v_th_mv``: ``v > threshold_below(v_th)`` is ``v >= v_th`` for
    Lava's strict comparison (so V = V_th exactly spikes, and V < V_th holds after a step)."""
    return float(np.nextafter(v_th_mv, -np.inf))


def neuron_group(
    net: NetworkSpec, timing: Timing, clock: b2.Clock, codeobj: type
) -> b2.NeuronGroup:
    """The population; drive goes into ``I_drive`` (brian2) or ``x`` (lava), see ``drive``."""
    if timing == "brian2":
        model = "dv/dt = (I_drive - v) / tau_m : volt (unless refractory)\nI_drive : volt"
        if net.noise is not None:  # the noise current held over the step (common/noise.py)
            model = model.replace("(I_drive - v)", "(I_drive + I_noise - v)")
            model += "\nI_noise : volt"
        model += _noise_state(net)
        if len(net.pre):
            model += "\nu : volt"
        group = b2.NeuronGroup(
            net.n_neurons,
            model,
            threshold="v >= v_th",
            reset="v = v_reset",
            refractory=net.refractory_ms * b2.ms,
            method="exact",
            namespace={
                "tau_m": net.tau_m_ms * b2.ms,
                "v_th": net.v_th_mv * b2.mV,
                "v_reset": net.v_reset_mv * b2.mV,
            },
            clock=clock,
            codeobj_class=codeobj,
        )
        if len(net.pre):  # after the state update (order 0), before the threshold
            group.run_regularly(
                "v = v + u * int(not_refractory)\nu = 0 * volt",
                when="groups",
                order=1,
                codeobj_class=codeobj,
            )
        return group
    if net.v_reset_mv != 0:
        raise ValueError("timing lava: Lava's LIF resets to 0 mV; v_reset_mv must be 0")
    noisy = net.noise is not None
    group = b2.NeuronGroup(
        net.n_neurons,
        """v : 1
        u : 1
        x : 1
        keep : 1 (shared)
        ref_end : integer"""
        + ("\nn : 1" if noisy else "")
        + _noise_state(net),
        threshold="v > v_th",
        reset="v = 0\nref_end = timestep(t, dt) + 1 + period",
        namespace={
            "v_th": threshold_below(net.v_th_mv),
            "period": lava_refractory_period(net.refractory_ms, net.dt_ms),
            "c": 1.0 - decay(net.dt_ms, net.tau_m_ms),
        },
        clock=clock,
        codeobj_class=codeobj,
    )
    group.run_regularly(
        f"""a = u + x{' + n' if noisy else ''}
        on = int(ref_end < timestep(t, dt) + 1)
        v = on * (v * c + a) + (1 - on) * v
        u = 0
        x = x * keep""",
        when="groups",
        codeobj_class=codeobj,
    )
    group.keep = 1.0
    return group


def _noise_state(net: NetworkSpec) -> str:
    """The OU current ``eta`` (mV) as neuron state, so that it is snapshotted with V."""
    return "\neta : 1" if net.noise is not None and net.noise.kind == "ou" else ""


def noise_target(net: NetworkSpec, timing: Timing) -> tuple[str, float]:
    """The group variable a step's noise current i (mV) goes into, and its factor
    (``variable = i * factor``).

    Brian2 timing: the current ``I_noise`` (volts, factor 1e-3), integrated exactly with the
    drive; Lava timing: the input ``n = i dv`` added to the step's ``a`` after ``u + x``, in
    the order Lava's noisy neuron adds it (``lava/processes/noisy_lif.py``).
    """
    if timing == "brian2":
        return "I_noise", 1e-3
    return "n", decay(net.dt_ms, net.tau_m_ms)


def drive(
    group: b2.NeuronGroup,
    net: NetworkSpec,
    timing: Timing,
    drive_mv: np.ndarray,
    kicked_mv: np.ndarray | None,
) -> None:
    """Set one tick's drive. ``kicked_mv``: V after the kick (kick mode), else None."""
    if timing == "brian2":
        if kicked_mv is None:
            group.variables["I_drive"].get_value()[:] = drive_mv * 1e-3
        else:
            group.variables["v"].get_value()[:] = kicked_mv * 1e-3
        return
    dv = decay(net.dt_ms, net.tau_m_ms)
    x = group.variables["x"].get_value()
    if kicked_mv is None:
        x[:] = drive_mv * dv
        group.variables["keep"].get_value()[:] = 1.0
    else:
        v = group.variables["v"].get_value()
        x[:] = (kicked_mv - v) * (1.0 - dv)
        group.variables["keep"].get_value()[:] = 0.0


def synapses(
    net: NetworkSpec, timing: Timing, group: b2.NeuronGroup, clock: b2.Clock, codeobj: type
) -> b2.Synapses:
    """The recurrent synapses (with STDP when enabled), weights set from ``net.weight_mv``."""
    target = "u_post"
    unit, to_unit = ("volt", 1e-3) if timing == "brian2" else ("1", 1.0)
    stdp = net.stdp
    if stdp is None or not stdp.enabled:
        model, on_pre, on_post, namespace = f"w : {unit}", f"{target} += w", None, {}
    else:
        model = f"""w : {unit}
        dapre/dt = -apre / tau_pre : {unit} (event-driven)
        dapost/dt = -apost / tau_post : {unit} (event-driven)"""
        mult = stdp.rule == "multiplicative"
        s_dep = " * (w / w_max)" if mult else ""
        s_pot = " * (1 - w / w_max)" if mult else ""
        zero = "0 * volt" if timing == "brian2" else "0"
        on_pre = f"""{target} += w
            apre += a_plus * w_max
            w = clip(w + apost{s_dep}, {zero}, w_max)"""
        on_post = f"""apost -= a_minus * w_max
            w = clip(w + apre{s_pot}, {zero}, w_max)"""
        namespace = {
            "tau_pre": stdp.tau_pre_ms * b2.ms,
            "tau_post": stdp.tau_post_ms * b2.ms,
            "a_plus": stdp.a_plus,
            "a_minus": stdp.a_minus,
            "w_max": stdp.w_max_mv * (b2.mV if timing == "brian2" else 1.0),
        }
    syn = b2.Synapses(
        group,
        group,
        model,
        on_pre=on_pre,
        on_post=on_post,
        namespace=namespace,
        clock=clock,
        codeobj_class=codeobj,
    )
    syn.connect(i=np.asarray(net.pre), j=np.asarray(net.post))
    syn.variables["w"].get_value()[:] = np.asarray(net.weight_mv, dtype=float) * to_unit
    return syn
