"""Quiet the simulators before they are imported: no NEST banner, no PyNN/NEST chatter.

The fork server imports this module first (``worker._context``), so its preloaded NEST and every
worker forked from it stay silent; a worker calls ``quiet()`` again after the fork.
"""

from __future__ import annotations

import logging
import os
import warnings

__all__ = ["quiet"]


def quiet() -> None:
    os.environ["PYNEST_QUIET"] = "1"
    warnings.filterwarnings("ignore", module=r"(pyNN|nest|neo|quantities|lazyarray)(\..*)?")
    warnings.filterwarnings("ignore", message=r".*nest-config.*")
    logging.getLogger("PyNN").setLevel(logging.ERROR)


quiet()
