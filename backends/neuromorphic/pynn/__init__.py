"""The PyNN spiking backend: NEST (its PyPI wheel) or SpiNNaker (sPyNNaker) through PyNN."""
