"""Ising / QUBO problems for the spiking annealer: the problem a config names, its network."""
