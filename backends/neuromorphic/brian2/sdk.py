"""Brian2, imported without the three packages ``import brian2`` loads that no backend uses.

``brian2/__init__.py`` runs ``from pylab import *`` (matplotlib's pyplot and a GUI backend
probe: about a quarter of Brian2's import time) to offer pylab's names in ``from brian2 import
*`` scripts, falling back to numpy's names where pylab cannot be imported; ``brian2.tests``
imports pytest where it can (for ``brian2.test()``, falling back to none);
``brian2.units.fundamentalunits`` imports matplotlib only to ask whether it is version 1.3.1
(then ``Quantity.ravel`` drops units, a workaround for that version's bug), falling back to
"no" where it cannot be imported, which is the answer for every matplotlib a current Brian2
installs with. The backends use none of them: they call Brian2's own names
(``b2.NeuronGroup``...), and Brian2's modules use its own numpy wrapper. So pylab, pytest and
matplotlib are marked unimportable (``sys.modules[name] = None``) for the duration of the
import where they are not loaded yet, and unmarked after it, so a later ``import pylab``,
``import pytest`` or ``import matplotlib`` in the same process works as usual (the run's
report imports matplotlib when it draws). Where one is already loaded (a test session, a
notebook with pylab) Brian2 imports it as it always does. Brian2 computes the same either way
(issue 25 item 1; docs/design.md §25; the golden roots pin it).
"""

from __future__ import annotations

import sys
from types import ModuleType

__all__ = ["BrianLogger", "b2", "brian_excepthook"]

_UNUSED = ("pylab", "pytest", "matplotlib")


def _import_brian2() -> ModuleType:
    marked = [name for name in _UNUSED if name not in sys.modules]
    for name in marked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import brian2
    finally:
        for name in marked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return brian2


b2 = _import_brian2()
BrianLogger = b2.utils.logger.BrianLogger
brian_excepthook = b2.utils.logger.brian_excepthook
