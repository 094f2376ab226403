"""MaxCut: graph instances, the Ising cost, the exact optimum and classical baselines."""
