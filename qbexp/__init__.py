"""qbexp: quantum-battery experiments, from exact Lindblad dynamics to circuits and shots.

Conventions used throughout: hbar = k_B = 1; a qubit's |1> is its excited state;
Qiskit's little-endian qubit order (qubit 0 is the rightmost label / least
significant bit); ergotropy is always measured against the battery's own
Hamiltonian, which every model states explicitly as ``model.battery_hamiltonian``.
"""

__version__ = "0.1.0"
