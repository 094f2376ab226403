"""The hash chain of the ledger (spec §11), written once: every writer and verifier uses it.

    Root_{t+1}     = SHA-256( TAG      || Root_t     || canonical(event_t) ),   Root_0 = 0^32
    MetaRoot_{t+1} = SHA-256( META_TAG || MetaRoot_t || Root_{t+1} || canonical(meta_t) )

TAG = b"qnfusion/FusionEvent/v1\\0" and META_TAG = b"qnfusion/FusionMeta/v1\\0" separate the
two domains. The meta chain binds each block's root, so meta is tamper-evident too, yet never
changes ``Root``: a replayed simulation reproduces the final root.
"""

from __future__ import annotations

import hashlib

__all__ = ["GENESIS", "META_TAG", "TAG", "next_meta_root", "next_root", "sha256"]

TAG = b"qnfusion/FusionEvent/v1\x00"
META_TAG = b"qnfusion/FusionMeta/v1\x00"
GENESIS = bytes(32)


def sha256(*parts: bytes) -> bytes:
    """SHA-256 of the concatenation of ``parts``."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.digest()


def next_root(root: bytes, event: bytes) -> bytes:
    """Root_{t+1} from Root_t and the canonical bytes of event_t."""
    return sha256(TAG, root, event)


def next_meta_root(meta_root: bytes, root: bytes, meta: bytes) -> bytes:
    """MetaRoot_{t+1} from MetaRoot_t, Root_{t+1} and the canonical bytes of meta_t."""
    return sha256(META_TAG, meta_root, root, meta)
