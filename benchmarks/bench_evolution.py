"""Timings of qbexp's exact dynamics against QuTiP on the collective battery (Çakmak, Eq. 5).

Not a test: run ``python benchmarks/bench_evolution.py [--repeat 3]``.  Three parts:

1. one charging run from |0…0⟩ to t = 20/γ for N = 5, 6, 7 at β = ω = γ = 1:
   ``qbexp.dynamics.evolve`` (qiskit-dynamics, invariant blocks) next to ``qutip.mesolve``
   (sparse operators, model built here independently: H0 = ω Σ σ⁺σ⁻, jumps √(γ(n̄+1)) J⁻
   and √(γ n̄) J⁺, J⁻ = Σ_j σ_j⁻), both with DOP853 at atol = 1e-8, rtol = 1e-6 (QuTiP's
   default Adams integrator at the same tolerances is shown too), and the max |difference|
   of the final density matrices after putting QuTiP's state into Qiskit's qubit order;
2. ``qbexp.dynamics.steady_state`` for N = 7 from |0…0⟩ at β = 1 and β = 10;
3. ``evolve`` for N = 3..6 with ``evolution.DENSE_BLOCK_MAX`` forced to dense (∞) and to
   sparse (0), to place the dense/sparse crossover of the block evaluation.

Times are wall-clock, the best of ``--repeat`` runs (one if it takes over 10 s), after a
warm-up run; model construction is excluded, the Liouvillian assembly inside
``evolve``/``mesolve`` included.  Multi-threaded OpenBLAS is sensitive to other load on a
small machine (scipy's Runge–Kutta steps call BLAS): the header prints the load average and
OPENBLAS_NUM_THREADS; set OPENBLAS_NUM_THREADS=1 for stable numbers.
"""

from __future__ import annotations

import argparse
import os
import time
from math import comb

import numpy as np

import qbexp.dynamics.evolution as evolution
from _args import integer, names
from qbexp.dynamics import ENGINE_CHOICES, ENGINES, dynamics_available, evolve, resolve_engine, steady_state
from qbexp.errors import QbexpError
from qbexp.models import collective_battery
from qbexp.models.states import ground_state

try:  # not a qbexp dependency: --help works without it, a run says what to install
    import qutip as qt
except ImportError:
    qt = None

ATOL, RTOL = 1e-8, 1e-6
T_END = 20.0  # in units of 1/γ
OMEGA = GAMMA = 1.0


def best_time(fn, repeat, long_run=10.0):
    """(min wall time over up to ``repeat`` calls, last result); a call over ``long_run``
    seconds is not repeated."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        if best > long_run:
            break
    return best, out


def qutip_model(n, beta, omega=OMEGA, gamma=GAMMA):
    """H0 and collapse operators in QuTiP; σ⁻ = destroy(2) = |0⟩⟨1| so |1⟩ is excited, as in
    qbexp (QuTiP's own sigmam() lowers basis(2, 0) instead).  Factor j of the tensor product
    is qubit j, i.e. QuTiP's order is big-endian in qubit index, the reverse of Qiskit's."""
    nbar = 1.0 / np.expm1(beta * omega)
    lower = [qt.tensor([qt.destroy(2) if k == j else qt.qeye(2) for k in range(n)]).to("csr") for j in range(n)]
    h0 = omega * sum(s.dag() * s for s in lower)
    jm = sum(lower)
    c_ops = [np.sqrt(gamma * (nbar + 1)) * jm, np.sqrt(gamma * nbar) * jm.dag()]
    rho0 = qt.ket2dm(qt.tensor([qt.basis(2, 0)] * n)).to("csr")
    return h0, c_ops, rho0


def to_qiskit_order(rho, n):
    """Reverse the qubit order of a 2^n × 2^n matrix (QuTiP tensor order → little-endian)."""
    axes = list(range(n))[::-1]
    return rho.reshape([2] * 2 * n).transpose(axes + [n + a for a in axes]).reshape(2**n, 2**n)


def run_qbexp(model, n, engine=None):
    return evolve(model, ground_state(n), [0.0, T_END], rtol=RTOL, atol=ATOL, engine=engine, solver="general")[-1]


def run_qutip(h0, c_ops, rho0, method):
    opts = {"method": method, "atol": ATOL, "rtol": RTOL, "nsteps": 10**6,
            "store_states": False, "store_final_state": True, "progress_bar": False}
    return qt.mesolve(h0, rho0, [0.0, T_END], c_ops, options=opts).final_state.full()


def bench_charging(ns, repeat, beta=1.0, engine=None):
    print(f"1. charging |0...0> -> t = {T_END:g}/gamma, beta = {beta:g}, omega = gamma = 1, "
          f"atol = {ATOL:g}, rtol = {RTOL:g}, engine {resolve_engine(engine)}")
    print(f"{'N':>2} {'block':>6} {'qbexp[s]':>9} {'qutip dop853[s]':>16} {'ratio':>6} "
          f"{'qutip adams[s]':>15} {'ratio':>6} {'max|drho|':>10} {'|dE|':>9}")
    for n in ns:
        model = collective_battery(n, beta, omega=OMEGA, gamma=GAMMA)
        h0, c_ops, rho0 = qutip_model(n, beta)
        t_qb, rho_qb = best_time(lambda: run_qbexp(model, n, engine), repeat)
        t_dop, rho_dop = best_time(lambda: run_qutip(h0, c_ops, rho0, "dop853"), repeat)
        t_ad, _ = best_time(lambda: run_qutip(h0, c_ops, rho0, "adams"), repeat)
        rho_q = to_qiskit_order(rho_dop, n)
        h = model.battery_matrix()
        d_e = abs(np.trace(h @ (rho_qb - rho_q)))
        print(f"{n:>2} {comb(2 * n, n):>6} {t_qb:>9.3f} {t_dop:>16.3f} {t_qb / t_dop:>6.2f} "
              f"{t_ad:>15.3f} {t_qb / t_ad:>6.2f} {np.abs(rho_qb - rho_q).max():>10.1e} {d_e:>9.1e}")
    print("   block = C(2N, N), the size of the one invariant block qbexp integrates (QuTiP: 4^N);")
    print("   ratio = qbexp / QuTiP (< 1: qbexp faster); max|drho| = max |rho_qbexp - rho_qutip| at t_end.")


def bench_steady(n, betas, repeat):
    print(f"\n2. steady_state, N = {n}, from |0...0>")
    for beta in betas:
        model = collective_battery(n, beta, omega=OMEGA, gamma=GAMMA)
        t, rho = best_time(lambda: steady_state(model, ground_state(n)), repeat)
        print(f"   beta = {beta:>4g}: {t:.3f} s  (trace {np.trace(rho).real:.12f})")


def bench_crossover(ns, repeat, beta=1.0):
    print(f"\n3. dense vs sparse block evaluation in evolve (DENSE_BLOCK_MAX = {evolution.DENSE_BLOCK_MAX} "
          "in the package), |0...0> -> t_end, beta = 1")
    print(f"{'N':>2} {'block':>6} {'dense[s]':>9} {'sparse[s]':>10}  faster")
    saved = evolution.DENSE_BLOCK_MAX
    try:
        for n in ns:
            model = collective_battery(n, beta, omega=OMEGA, gamma=GAMMA)
            times = {}
            for label, threshold in (("dense", np.inf), ("sparse", 0)):
                evolution.DENSE_BLOCK_MAX = threshold
                times[label], _ = best_time(lambda: run_qbexp(model, n), repeat)
            faster = min(times, key=times.get)
            print(f"{n:>2} {comb(2 * n, n):>6} {times['dense']:>9.3f} {times['sparse']:>10.3f}  "
                  f"{faster} ({max(times.values()) / min(times.values()):.1f}x)")
    finally:
        evolution.DENSE_BLOCK_MAX = saved


def main(argv=None):
    p = argparse.ArgumentParser(description="qbexp vs QuTiP timings on the collective battery")
    p.add_argument("--repeat", type=integer(1), default=3, help="runs per timing; the best is printed (default 3)")
    p.add_argument("--engines", type=names(ENGINE_CHOICES),
                   default=",".join(e for e in ENGINES if e == "scipy" or dynamics_available()),
                   help=f"exact-evolution engines to time, comma-separated, of {', '.join(ENGINE_CHOICES)} "
                        "(default: every installed one)")
    args = p.parse_args(argv)
    try:
        for engine in args.engines:
            resolve_engine(engine)  # an engine that is not installed
    except QbexpError as err:
        p.error(str(err))
    if qt is None:
        p.error("QuTiP, the reference of these timings, is not installed: pip install qutip")
    print(f"qutip {qt.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    warm = collective_battery(3, 1.0)  # warm-up: imports, first-call overheads
    run_qbexp(warm, 3)
    run_qutip(*qutip_model(3, 1.0), "dop853")
    for engine in args.engines:
        bench_charging((5, 6, 7), args.repeat, engine=engine)
    bench_steady(7, (1.0, 10.0), args.repeat)
    bench_crossover((3, 4, 5, 6), args.repeat)


if __name__ == "__main__":
    main()
