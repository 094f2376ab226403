"""Any Qiskit provider: a BackendV2 or SamplerV2 named by import path (Braket, IonQ, IQM, ...)."""
