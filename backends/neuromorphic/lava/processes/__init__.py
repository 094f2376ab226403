"""Lava processes and process models of qnfusion's own (imported only with Lava installed).

Lava's compiler looks for the models of a Process by importing every module in the directory
of the module that defines it, so this package holds nothing but process and model modules.
"""

# Lava's first import goes through fork_start (the start method; see there).
import backends.neuromorphic.lava.fork_start  # noqa: F401
