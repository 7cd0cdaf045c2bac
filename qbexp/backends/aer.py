"""The embedded default backend: Qiskit Aer, ideal, no account needed.

Circuits that contain quantum channels (Kraus / SuperOp instructions) are simulated with
the density-matrix method; everything else with Aer's automatic choice.
"""

from __future__ import annotations

from qiskit import transpile
from qiskit_aer import AerSimulator

from qbexp.errors import QbexpError

CHANNEL_INSTRUCTIONS = {"kraus", "superop"}


def run_counts(circuits, shots: int, seed: int | None = None) -> list[dict[str, int]]:
    """Execute ``circuits`` on Aer with ``shots`` shots each; counts per circuit, in order."""
    if not isinstance(shots, int) or shots < 1:
        raise QbexpError(f"shots = {shots}; it must be an integer >= 1")
    circuits = list(circuits)
    needs_dm = any(inst.operation.name in CHANNEL_INSTRUCTIONS for qc in circuits for inst in qc.data)
    sim = AerSimulator(method="density_matrix" if needs_dm else "automatic", seed_simulator=seed)
    compiled = transpile(circuits, sim, optimization_level=0, seed_transpiler=seed)
    result = sim.run(compiled, shots=shots, seed_simulator=seed).result()
    return [dict(result.get_counts(i)) for i in range(len(circuits))]
