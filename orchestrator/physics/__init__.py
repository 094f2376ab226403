"""Pure functions of one tick's numbers: no state kept between calls, no I/O, no SDK."""
