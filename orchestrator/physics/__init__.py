"""Pure functions of one tick's numbers: no state between calls, no I/O, numpy/scipy only."""
