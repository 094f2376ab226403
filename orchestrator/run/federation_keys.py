"""The nodes' private key files of a federation (spec §12; issue 27, F5 and the demo keys).

``read_node_key(node)`` reads one node's ``key_file`` where the node runs: a regular file only
(a FIFO would block, ``/dev/zero`` never end: ``orchestrator.contract.files``), at most
``KEY_FILE_MAX_BYTES``, 64 hex characters of a raw Ed25519 private key whose public half is the
one the config lists for that node. Every refusal is a ``KeyFileError``, one line naming the
node's field and the file.

``key_file_problems(federation)`` runs that check for every node before the federation creates
anything (its run directory included), so a wrong, missing or hostile key file is one line per
node and exit 2, and a corrected rerun with the same ``--out`` is not blocked by a half-made
directory. **Choice:** on the ``local`` engine every node runs here, so every key file must
be valid here; on another engine (Ray) a node reads its key on the host that runs it, so only
the key files that exist here are checked (a path present here is taken to be the one the
node reads, as with docker/compose.yaml's shared mount); a missing one is left to its node.

``repository_keys(federation)``: the nodes whose public key is one of the demo keys published
in this repository (``configs/keys``): anyone can sign as them. A federation that uses one says
so in one line on stderr when it starts and records the node ids in its genesis block's meta
(``repository_keys``), which is not part of the repeatable chain.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orchestrator.contract.federation_config import FederationConfig, FederationNode
from orchestrator.contract.files import InputFileError, read_regular
from orchestrator.federation.signing import load_private_key, public_key_hex

__all__ = [
    "KEY_FILE_MAX_BYTES",
    "REPOSITORY_PUBLIC_KEYS",
    "KeyFileError",
    "key_file_problems",
    "read_node_key",
    "repository_keys",
    "repository_keys_line",
]

KEY_FILE_MAX_BYTES = 4096  # 64 hex characters and a line break; room for a comment, no more

REPOSITORY_PUBLIC_KEYS = {
    "610a5b637990f9dc9ddcfa317da2b79aa92b7d3cff0cae85fc1cf6b75f9ab358": "configs/keys/lab-a.key",
    "a674b416487786764216e2153f22b6f3a68d06c2c530806115c46084128ecc87": "configs/keys/lab-b.key",
    "201f15d5f2d01bc722fc80e325f5d21d6c7ed208d18a016edd6fc4e0bbea1bdf": "configs/keys/lab-c.key",
    "e8e56ebb662a8dc4ba240436f8ec61c51f3a065ed3abd8df2e8f7f2bad476413": "configs/keys/lab-d.key",
}
"""Public key -> the file of this repository that holds its private key (published demo keys)."""


class KeyFileError(ValueError):
    """A node's key file that cannot sign for it; ``str(exc)`` is one ``field: message`` line."""


def read_node_key(node: FederationNode, field: str = "federation.nodes") -> Ed25519PrivateKey:
    """Node ``node``'s private key from its ``key_file`` (module docstring)."""
    where = f"{field}[{node.id}].key_file"
    try:
        data = read_regular(node.key_file, KEY_FILE_MAX_BYTES, "key file")
    except InputFileError as exc:
        raise KeyFileError(f"{where}: {exc}") from None
    try:
        key = load_private_key(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise KeyFileError(
            f"{where}: {node.key_file}: not a private key (64 hex characters, as "
            "`qnf federation keys` writes)"
        ) from None
    if public_key_hex(key) != node.public_key:
        raise KeyFileError(
            f"{where}: {node.key_file}: not the private key of node {node.id} (its public half "
            f"{public_key_hex(key)[:16]}... is not the listed {node.public_key[:16]}...)"
        )
    return key


def key_file_problems(federation: FederationConfig) -> list[str]:
    """One line per node whose key file cannot sign for it (module docstring: which are read)."""
    local = federation.engine == "local"
    problems = []
    for node in federation.nodes:
        if not local and not Path(node.key_file).exists():
            continue
        try:
            read_node_key(node)
        except KeyFileError as exc:
            problems.append(str(exc))
    return problems


def repository_keys(federation: FederationConfig) -> list[str]:
    """Ids of the nodes that sign with a key published in this repository."""
    return [n.id for n in federation.nodes if n.public_key in REPOSITORY_PUBLIC_KEYS]


def repository_keys_line(federation: FederationConfig) -> str | None:
    """The warning a run prints when a node signs with a published demo key, else None."""
    ids = repository_keys(federation)
    if not ids:
        return None
    who = f"nodes {', '.join(ids)} sign" if len(ids) > 1 else f"node {ids[0]} signs"
    return (
        f"warning: {who} with a demo key published in the qnfusion repository (configs/keys): "
        "anyone can forge their contributions; make your own with `qnf federation keys`"
    )
