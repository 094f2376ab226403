"""Signed phase contributions and the coordinator's intake (spec §12; design §3 "§12").

Each round a node sends its phase vector signed with its own Ed25519 key. The signature covers

    CONTRIBUTION_TAG || canonical({"node_id": ..., "phases": m, "round": ..., "run_id": ...})
                     || the m phases as IEEE 754 float64, little-endian, in order

where ``canonical`` is the RFC 8785 encoding the ledger uses (keys sorted), so the bytes, and
hence validity, depend on the values only, never on how a dict was built or how the
contribution travelled. The envelope names the phase count; it is a JSON object, which ends
at its matching brace, so the bytes after it are exactly 8 m and no two contributions share
their signed bytes (the encoding is injective). The phases travel as raw doubles rather than
JSON numbers because formatting 1024 floats as shortest round-trip decimals cost 0.8 ms per
contribution, most of an intake round (measured: 16 contributions of 1024 phases, 18.6 ms
with JSON numbers); bit-exact doubles are also stricter (-0.0 and 0.0 differ). The tag
separates these signatures from anything else a node key might sign later, and its version
from the JSON-number encoding used before. Keys travel as raw 32-byte values in hex (64
characters): the federation config lists node id -> public key; a node keeps its private key
to itself.

The intake accepts a contribution only if, in this order (the first failure is the reason
recorded): it is well formed; its phases are finite; its node is listed; the public key it
names is the one listed for that node; the signature verifies with the listed key; it came on
its own node's channel (the coordinator passes the node it asked: an authentic message of
node b given as node a's answer is *relayed*); its run id is this run's; its round is newer
than the node's last accepted round (equal: a replay; older: stale); it is for the current
round; it has the run's number of channels. Authentication comes before the channel, run,
round and count checks, so those reasons always describe what the node itself signed, and a
rejected contribution never changes the intake's state: a relayed copy of b's message uses up
nothing of b's round, so b's own answer is still accepted (issue 27, F2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import final

import numpy as np
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from orchestrator.record.canonical import canonical

__all__ = [
    "CONTRIBUTION_TAG",
    "Contribution",
    "Intake",
    "Rejection",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "private_key_hex",
    "public_key_hex",
    "sign",
    "signed_bytes",
]

CONTRIBUTION_TAG = b"qnfusion/federation/contribution/v2\x00"
_KEY_HEX = 64  # 32 raw bytes
_SIGNATURE_HEX = 128  # 64 raw bytes
_NUMBER_TYPES = {float, int}  # exact types: bool and str are refused
_HEX = {n: re.compile(f"[0-9a-fA-F]{{{n}}}") for n in (_KEY_HEX, _SIGNATURE_HEX)}


class Rejection(str, Enum):
    """Why the intake refused a contribution; the value is the reason string recorded."""

    MALFORMED = "malformed"
    NON_FINITE = "non-finite phase"
    UNKNOWN_NODE = "unknown node"
    UNKNOWN_KEY = "unknown key"
    BAD_SIGNATURE = "bad signature"
    RELAYED = "relayed"
    WRONG_RUN = "wrong run id"
    REPLAYED_ROUND = "replayed round"
    STALE_ROUND = "stale round"
    WRONG_ROUND = "not the current round"
    WRONG_CHANNELS = "wrong number of channels"


@final
@dataclass(frozen=True)
class Contribution:
    """One node's signed phase vector for one round, as it travels to the coordinator.

    run_id: the federation run; round: round number, int >= 0; node_id: as in the config;
    phases: m phases, radians; public_key: the signer's raw public key, 64 hex characters;
    signature: Ed25519 signature of ``signed_bytes(run_id, round, node_id, phases)``,
    128 hex characters. Nothing is checked on construction: the intake checks.
    """

    run_id: str
    round: int
    node_id: str
    phases: tuple[float, ...]
    public_key: str
    signature: str


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key from the operating system's randomness."""
    return Ed25519PrivateKey.generate()


def private_key_hex(key: Ed25519PrivateKey) -> str:
    """The raw 32-byte private key as 64 lowercase hex characters (keep it secret)."""
    return key.private_bytes_raw().hex()


def load_private_key(text: str) -> Ed25519PrivateKey:
    """Inverse of ``private_key_hex``; ValueError unless 64 hex characters."""
    return Ed25519PrivateKey.from_private_bytes(_raw(text, _KEY_HEX, "private key"))


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key (of a private key: its public half) as 64 lowercase hex."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def load_public_key(text: str) -> Ed25519PublicKey:
    """Inverse of ``public_key_hex``; ValueError unless 64 hex characters of a valid key."""
    return Ed25519PublicKey.from_public_bytes(_raw(text, _KEY_HEX, "public key"))


def signed_bytes(run_id: str, round: int, node_id: str, phases: Sequence[float]) -> bytes:
    """The bytes a contribution's signature covers (module docstring).

    ValueError when they cannot be formed (phases that are not one vector of real numbers,
    |round| beyond 2^53 - 1, text that is not valid Unicode).
    """
    values = np.asarray(phases, dtype="<f8")
    if values.ndim != 1:
        raise ValueError("phases must be one vector")
    envelope = {"run_id": run_id, "round": round, "node_id": node_id, "phases": len(values)}
    return CONTRIBUTION_TAG + canonical(envelope) + values.tobytes()


def sign(
    key: Ed25519PrivateKey, run_id: str, round: int, node_id: str, phases: Sequence[float]
) -> Contribution:
    """``node_id``'s signed contribution of ``phases`` (1-D, finite, radians) to ``round``.

    ValueError for a non-finite phase, phases that are not one vector, a round that is not an
    int >= 0, or an empty run or node id.
    """
    values = np.asarray(phases, dtype=np.float64)
    if values.ndim != 1 or not np.isfinite(values).all():
        raise ValueError("phases must be one vector of finite numbers")
    if not _is_round(round) or not run_id or not node_id:
        raise ValueError("round must be an int >= 0 and run and node ids non-empty")
    signature = key.sign(signed_bytes(run_id, round, node_id, values))
    return Contribution(
        run_id, round, node_id, tuple(values.tolist()), public_key_hex(key), signature.hex()
    )


@final
class Intake:
    """The coordinator's door for contributions of one run (not thread-safe).

    run_id: this run's id. keys: node id -> public key hex, from the federation config; one key
    per node (ValueError for a malformed key or a key listed for two nodes). channels: m, the
    length every phase vector must have.
    """

    def __init__(self, run_id: str, keys: Mapping[str, str], channels: int) -> None:
        self._run_id = run_id
        self._keys = {node: load_public_key(text) for node, text in keys.items()}
        self._raw = {node: _raw(text, _KEY_HEX, "public key") for node, text in keys.items()}
        if len(set(self._raw.values())) != len(self._raw):
            raise ValueError("a public key is listed for more than one node")
        self._channels = channels
        self._last: dict[str, int] = {}

    def last_round(self, node_id: str) -> int | None:
        """The last round accepted from ``node_id``, None if none yet."""
        return self._last.get(node_id)

    def note(self, node_id: str, round: int) -> None:
        """Record that ``node_id``'s contribution to ``round`` was accepted (a resumed
        coordinator replays the rounds its ledger holds)."""
        self._last[node_id] = round

    def admit(
        self, contribution: Contribution, current_round: int, channel: str | None = None
    ) -> Rejection | None:
        """None if ``contribution`` is accepted for ``current_round``, else why not.

        channel: the node whose answer this is (the one the coordinator asked); a
        contribution signed by another node is ``RELAYED``. None: not bound to a channel.
        Accepting records the node's round: a second contribution for it is a replay.
        """
        c = contribution
        if not _well_formed(c):
            return Rejection.MALFORMED
        try:
            values = np.asarray(c.phases, dtype=np.float64)
        except OverflowError:  # an int beyond the doubles
            return Rejection.MALFORMED
        if not np.isfinite(values).all():
            return Rejection.NON_FINITE
        listed = self._keys.get(c.node_id)
        if listed is None:
            return Rejection.UNKNOWN_NODE
        if bytes.fromhex(c.public_key) != self._raw[c.node_id]:
            return Rejection.UNKNOWN_KEY
        try:
            message = signed_bytes(c.run_id, c.round, c.node_id, values)
        except ValueError:
            return Rejection.MALFORMED
        try:
            listed.verify(bytes.fromhex(c.signature), message)
        except InvalidSignature:
            return Rejection.BAD_SIGNATURE
        if channel is not None and c.node_id != channel:
            return Rejection.RELAYED
        if c.run_id != self._run_id:
            return Rejection.WRONG_RUN
        last = self._last.get(c.node_id)
        if last is not None and c.round == last:
            return Rejection.REPLAYED_ROUND
        if last is not None and c.round < last:
            return Rejection.STALE_ROUND
        if c.round != current_round:
            return Rejection.WRONG_ROUND
        if len(c.phases) != self._channels:
            return Rejection.WRONG_CHANNELS
        self._last[c.node_id] = c.round
        return None


def _raw(text: str, length: int, what: str) -> bytes:
    if not _is_hex(text, length):
        raise ValueError(f"{what} must be {length} hex characters")
    return bytes.fromhex(text)


def _is_round(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hex(text: object, length: int) -> bool:
    return isinstance(text, str) and _HEX[length].fullmatch(text) is not None


def _well_formed(c: Contribution) -> bool:
    return (
        isinstance(c.run_id, str)
        and isinstance(c.node_id, str)
        and _is_round(c.round)
        and isinstance(c.phases, tuple)
        and set(map(type, c.phases)) <= _NUMBER_TYPES
        and _is_hex(c.public_key, _KEY_HEX)
        and _is_hex(c.signature, _SIGNATURE_HEX)
    )
