"""Timings of the symmetric (Schur-basis) solver for the uniform collective battery (Çakmak Eq. 5)
against qbexp's general solver and QuTiP's PIQS, in one run.

Not a test: ``python benchmarks/bench_symmetric.py [--piqs-timeout 240] [--skip-targets]``.

1. **General solver**, N = 4 … 7, a Haar-random initial state (seeded), β = ω = γ = 1, f = 0.2:
   ``steady_state(model, ρ0, method="general")`` (kernel projection on the 4^N Liouvillian) and
   ``qbexp.dynamics.evolve`` to t = 1 (N ≤ 6) against ``qbexp.dynamics.symmetric``; the max
   |difference| of the states is printed next to the times.
2. **QuTiP PIQS** (``qutip.piqs.Dicke``, collective emission γ(n̄+1) and collective pumping γn̄,
   H = ω(J_z + N/2)), time-resolved charging from |0…0⟩ to t = 1/γ on 21 points with
   ``qutip.mesolve`` at atol 1e-8, rtol 1e-6, for N = 10, 20, 50, against ``symmetric.evolve``
   of the same state (exact exponentials of the tridiagonal chains); max |ΔE(t)| compares them.
   PIQS builds its Liouvillian on every multiplet, (N/2 + 1)² Dicke states for even N; qbexp's
   solver only touches the multiplets the state occupies (j = N/2 here).  A thermal initial state
   (every multiplet occupied) is timed for qbexp as well.
3. **Targets** of issue 11: Fig. 3 (10^5 Haar states × N = 2 … 7 at β → 0), the N = 1000
   ground-state steady state, Fig. 3 beyond the paper (10^4 states × N = 8 … 10).

Every case runs in its own fresh process (imports and a tiny warm-up run first, untimed), so
that ``peak MiB`` (the process's maximum resident set, including the interpreter and the imports,
≈ 250 MiB) belongs to that case alone;
a case that runs past its timeout is stopped and shown as "> T s".  Times are wall-clock, one
run each, model construction included.  ``ratio`` = symmetric / other (below 1: symmetric is
faster).  Run with OMP_NUM_THREADS=1 on a busy machine for stable numbers.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import time

import numpy as np

from _args import positive_real

OMEGA = GAMMA = 1.0


# ----------------------------------------------------------------------------------------
# running one case in a child process
# ----------------------------------------------------------------------------------------
def _child(queue, fn, args):
    try:  # the warm-up too: a missing package is this case's error, not a silent timeout
        _warm_up(fn)
        t0 = time.perf_counter()
        value = fn(*args)
        error = None
    except Exception as exc:  # noqa: BLE001 (reported, not raised: the table goes on)
        t0, value, error = time.perf_counter(), None, f"{type(exc).__name__}: {exc}"
    queue.put((time.perf_counter() - t0, value, error, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(fn, *args, timeout=600.0):
    """(seconds, value, peak MiB) of fn(*args) in a fresh process (spawned: forking a process
    that has loaded qiskit can deadlock); seconds = inf on timeout, nan on an error (printed)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, fn, args))
    proc.start()
    deadline = time.monotonic() + timeout
    while True:  # a child that dies without answering is an error now, not a wait for the timeout
        try:
            seconds, value, error, peak = queue.get(timeout=min(1.0, max(deadline - time.monotonic(), 0.01)))
            break
        except Exception:  # noqa: BLE001 (queue.Empty)
            if proc.exitcode is not None and queue.empty():
                print(f"    ({fn.__name__}{args}: the process ended with exit code {proc.exitcode} before answering)")
                return float("nan"), None, float("nan")
            if time.monotonic() >= deadline:
                proc.kill()
                proc.join()
                return float("inf"), None, float("nan")
    proc.join()
    if error:
        print(f"    ({fn.__name__}{args}: {error})")
        return float("nan"), None, peak
    return seconds, value, peak


def fmt_time(t, timeout):
    return f"> {timeout:.0f} s" if t == float("inf") else f"{t:8.3f}"


# ----------------------------------------------------------------------------------------
# the cases
# ----------------------------------------------------------------------------------------
def general_steady(n, beta, f, seed):
    from qbexp.dynamics import steady_state
    from qbexp.models import collective_battery
    from qbexp.models.states import haar_pure_state

    return steady_state(collective_battery(n, beta, f=f), haar_pure_state(n, seed), method="general")


def symmetric_steady(n, beta, f, seed):
    from qbexp.dynamics import symmetric
    from qbexp.models import collective_battery
    from qbexp.models.states import haar_pure_state

    return symmetric.steady_state(collective_battery(n, beta, f=f), haar_pure_state(n, seed))


def general_evolve(n, beta, f, seed, t):
    from qbexp.dynamics import evolve
    from qbexp.models import collective_battery
    from qbexp.models.states import haar_pure_state

    return evolve(collective_battery(n, beta, f=f), haar_pure_state(n, seed), [0.0, t], solver="general")[-1]


def symmetric_evolve(n, beta, f, seed, t):
    from qbexp.dynamics import symmetric
    from qbexp.models import collective_battery
    from qbexp.models.states import haar_pure_state

    return symmetric.evolve(collective_battery(n, beta, f=f), haar_pure_state(n, seed), [0.0, t])[-1]


def piqs_energies(n, beta, times):
    import qutip as qt
    from qutip import piqs

    nbar = 1.0 / np.expm1(beta * OMEGA)
    system = piqs.Dicke(N=n, collective_emission=GAMMA * (nbar + 1), collective_pumping=GAMMA * nbar)
    jz = piqs.jspin(n, "z")
    number = jz + (n / 2) * qt.qeye_like(jz)  # n̂ = J_z + N/2
    system.hamiltonian = OMEGA * number
    liouvillian = system.liouvillian()
    rho0 = piqs.dicke(n, n / 2, -n / 2)  # |j = N/2, m = −N/2⟩ = |0…0⟩
    opts = {"atol": 1e-8, "rtol": 1e-6}
    result = qt.mesolve(liouvillian, rho0, times, e_ops=[number], options=opts)
    return np.real(np.asarray(result.expect[0]))


def symmetric_energies(n, beta, times, init="ground"):
    from qbexp.dynamics import symmetric
    from qbexp.dynamics.symmetric_model import CollectiveSpinModel
    from qbexp.dynamics.symmetric_state import ground, thermal
    from qbexp.thermo.permutation import permutation_invariant_figures

    state = ground(n) if init == "ground" else thermal(n, 3.0 * beta, OMEGA)
    states = symmetric.evolve(CollectiveSpinModel(n, beta, OMEGA, GAMMA), state, times)
    energies = [sum(p * OMEGA * float(np.dot(s + np.arange(sig.shape[0]), np.real(np.diag(sig)) if sig.ndim == 2 else np.real(sig)))
                    for s, (p, sig) in st.blocks.items()) for st in states]
    last = permutation_invariant_figures(states[-1], OMEGA)  # the figures of merit at the last time
    return np.array(energies), last["ergotropy"]


def fig3(ns, states, seed=1):
    from qbexp.dynamics.symmetric_batch import random_steady_figures

    out = {}
    for n in ns:
        t0 = time.perf_counter()
        f = random_steady_figures(n, states, "haar", 0.0, seed=seed + n)
        out[n] = (time.perf_counter() - t0, float(f["coherence_l1"].mean()), float(f["ergotropy"].mean()))
    return out


def ground_1000():
    from qbexp.dynamics import symmetric
    from qbexp.dynamics.symmetric_model import CollectiveSpinModel
    from qbexp.dynamics.symmetric_state import ground
    from qbexp.thermo.permutation import permutation_invariant_figures

    return permutation_invariant_figures(symmetric.steady_state(CollectiveSpinModel(1000, 0.0), ground(1000)))


def _warm_up(fn):
    """Run ``fn``'s kind of case once at a tiny size, so that the timed case measures the work,
    not the imports (qiskit, qutip) or first-call set-up (only its own: PIQS was warmed up for
    every case, and without QuTiP every case, part 1's too, died and was shown as a timeout)."""
    small = np.linspace(0.0, 0.1, 3)
    tiny = {general_steady: (2, 1.0, 0.2, 1), symmetric_steady: (2, 1.0, 0.2, 1),
            general_evolve: (2, 1.0, 0.2, 1, 0.1), symmetric_evolve: (2, 1.0, 0.2, 1, 0.1),
            piqs_energies: (2, 1.0, small), symmetric_energies: (2, 1.0, small), fig3: ([2], 10)}
    if fn in tiny:
        fn(*tiny[fn])


def qutip_missing() -> str | None:
    """Why part 2 cannot run (QuTiP is not a qbexp dependency), or None."""
    try:
        import qutip  # noqa: F401
        from qutip import piqs  # noqa: F401
    except ImportError as err:
        return f"{err}; pip install qutip"
    return None


# ----------------------------------------------------------------------------------------
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--piqs-timeout", type=positive_real, default=240.0, help="seconds allowed to one PIQS run (default 240)")
    p.add_argument("--general-timeout", type=positive_real, default=180.0, help="seconds allowed to one general-solver run")
    p.add_argument("--skip-targets", action="store_true", help="skip part 3")
    args = p.parse_args(argv)
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    beta, f, seed, t_end = 1.0, 0.2, 7, 1.0

    print("\n1. symmetric vs general solver (Haar-random initial state, beta = 1, f = 0.2)")
    print(f"{'task':<10}{'N':>3} {'general s':>10} {'peak MiB':>9} {'symmetric s':>12} {'peak MiB':>9} {'ratio':>9} {'max|drho|':>10}")
    for task, ns, gen, sym_fn, extra in (("steady", range(4, 8), general_steady, symmetric_steady, ()),
                                         ("t = 1", range(4, 7), general_evolve, symmetric_evolve, (t_end,))):
        for n in ns:
            tg, rg, mg = measure(gen, n, beta, f, seed, *extra, timeout=args.general_timeout)
            ts, rs, ms = measure(sym_fn, n, beta, f, seed, *extra, timeout=args.general_timeout)
            diff = np.max(np.abs(rg - rs)) if rg is not None and rs is not None else float("nan")
            print(f"{task:<10}{n:>3} {fmt_time(tg, args.general_timeout):>10} {mg:>9.0f} {fmt_time(ts, args.general_timeout):>12}"
                  f" {ms:>9.0f} {ts / tg:>9.2e} {diff:>10.1e}")

    print(f"\n2. symmetric vs QuTiP PIQS: charging from |0...0> to t = {t_end}/gamma, 21 times, beta = 1")
    print(f"{'N':>3} {'PIQS s':>10} {'peak MiB':>9} {'symmetric s':>12} {'peak MiB':>9} {'ratio':>9} {'max|dE|':>9}"
          f" {'thermal init s':>15}")
    times = np.linspace(0.0, t_end, 21)
    missing = qutip_missing()
    if missing:
        print(f"   skipped: {missing}")
    for n in () if missing else (10, 20, 50):
        tq, eq, mq = measure(piqs_energies, n, beta, times, timeout=args.piqs_timeout)
        ts, res, ms = measure(symmetric_energies, n, beta, times, timeout=args.piqs_timeout)
        tt, _, _ = measure(symmetric_energies, n, beta, times, "thermal", timeout=args.piqs_timeout)
        de = np.max(np.abs(eq - res[0])) if eq is not None and res is not None else float("nan")
        ratio = ts / tq if np.isfinite(tq) else float("nan")
        shown = f"< {ts / args.piqs_timeout:.1e}" if tq == float("inf") else f"{ratio:.2e}"
        print(f"{n:>3} {fmt_time(tq, args.piqs_timeout):>10} {mq:>9.0f} {ts:>12.3f} {ms:>9.0f} {shown:>9} {de:>9.1e} {tt:>15.3f}")

    if args.skip_targets:
        return
    print("\n3. targets (issue 11)")
    t, res, peak = measure(fig3, range(2, 8), 100_000)
    per_n = ", ".join(f"N={n}: {v[0]:.1f} s" for n, v in res.items())
    print(f"Fig. 3, 10^5 Haar states x N = 2..7, beta -> 0: {t:.1f} s (target < 60 s), peak {peak:.0f} MiB (target < 2048)")
    print(f"   {per_n}")
    print("   means: " + ", ".join(f"N={n}: C_l1 {v[1]:.4f}, W {v[2]:.4f}" for n, v in res.items()))
    t, res, peak = measure(ground_1000)
    print(f"N = 1000 ground-state steady state (beta -> 0) with its figures: {t:.2f} s (target < 10 s), peak {peak:.0f} MiB;"
          f" W = {res['ergotropy']:.6f}, C_l1 = {res['coherence_l1']:.6e}")
    t, res, peak = measure(fig3, range(8, 11), 10_000, timeout=1800)
    print(f"Fig. 3 beyond the paper, 10^4 Haar states x N = 8..10: {t:.1f} s, peak {peak:.0f} MiB")
    print("   " + ", ".join(f"N={n}: {v[0]:.1f} s, C_l1 {v[1]:.4f}, W {v[2]:.4f}" for n, v in res.items()))


if __name__ == "__main__":
    main()
