# %% [markdown]
# # qbexp quickstart
# Charge a two-qubit quantum battery through a thermal bath (Çakmak, Eqs. 5–8), look at the
# exact charged state, then measure its ergotropy in circuits on Aer with 95 % intervals.
# Run it as a script (`python examples/quickstart.py`) or cell by cell (`# %%`) in an editor.

# %% charge: the experiment and its exact charged state
import qbexp

exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", measure_work=True)
exact = exp.exact()
print(f"exact steady state: ergotropy {exact.ergotropy:.5f}, energy {exact.energy:.5f}, "
      f"l1 coherence {exact.coherence_l1:.5f} (engine {exact.engine})")

# %% the circuits a run executes: state tomography, and the energy before/after the optimal discharge
circuits = exp.circuits()
print(len(circuits), "circuits:", ", ".join(c.name for c in circuits))

# %% run on Aer (in memory, nothing written) and compare with the exact values
result = qbexp.run(exp, shots=4000, seed=1, progress=False)
for name, est in result.estimates.items():
    lo, hi = est.ci95
    print(f"{name:22s} {est.value:.4f} ± {est.stderr:.4f}  [{lo:.4f}, {hi:.4f}]  exact {result.exact[name]:.4f}")

# %% a sweep of the initial state's weight c, as one batch
swept = qbexp.sweep(qbexp.CollectiveCharging(n=2, beta=1.0, charging="kraus"), "c", [0.0, 0.5, 1.0],
                    shots=2000, seed=1, progress=False)
for row in swept.table():
    print(f"c = {row['c']:.1f}: ergotropy {row['ergotropy']:.4f} ± {row['ergotropy_stderr']:.4f} "
          f"(exact {row['ergotropy_exact']:.4f})")

# %% plots: matplotlib Figures (shown inline in a notebook; saved here)
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("quickstart-output")
out.mkdir(parents=True, exist_ok=True)
result.plot().savefig(out / "run.png", dpi=100)
swept.plot().savefig(out / "sweep.png", dpi=100)
print("figures in", out)
