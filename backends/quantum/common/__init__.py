"""Circuit synthesis and device snapshots shared by the Qiskit backends (Aer, IBM)."""
