"""``qbexp run collective|engine``: the experiment in circuits, with shots, on a backend profile."""

from __future__ import annotations

from pathlib import Path

from qbexp.cli.options import add_engine
from qbexp.cli.output import emit
from qbexp.cli.sweep import run_sweep_command, swept_name
from qbexp.errors import QbexpError
from qbexp.experiments.run import execute, plan_collective, plan_engine
from qbexp.experiments.sweep import SWEEPABLE
from qbexp.models import collective_battery, initial_state, two_bath_engine
from qbexp.models.states import INITIAL_STATE_FORMS

#: Command-line names of the charging implementations (``kraus`` = the exact channel on Aer).
CHARGINGS = {"kraus": "channel", "dilation": "dilation", "collision": "collision"}
ENGINE_DISCHARGES = ("local1", "local2", "global", "optimal")


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run a battery experiment in circuits and estimate its figures of merit")
    kinds = parser.add_subparsers(dest="kind", required=True)

    col = kinds.add_parser("collective", help="collective battery charged to its steady state (Cakmak)")
    col.add_argument("--n", type=int, help="number of qubits N (required unless swept)")
    col.add_argument("--beta", type=float, help="inverse bath temperature (required unless swept)")
    col.add_argument("--omega", type=float, default=1.0)
    col.add_argument("--gamma", type=float, default=1.0)
    col.add_argument("--f", type=float, default=0.0)
    col.add_argument("--init", default="ground", help="initial state: " + ", ".join(INITIAL_STATE_FORMS))
    _common(col)
    col.set_defaults(func=run_collective, _parser=col)

    eng = kinds.add_parser("engine", help="two-bath engine, charged state at the K-th discharge (Tacchino)")
    eng.add_argument("--tau", type=float, help="charging time per cycle (required unless swept)")
    eng.add_argument("--cycles", type=int, default=1, help="K: measure the charged state at the K-th discharge (default 1)")
    eng.add_argument("--engine-discharge", choices=ENGINE_DISCHARGES, default="local1",
                     help="discharge of the K-1 earlier cycles (default local1)")
    eng.add_argument("--omega0", type=float, default=1.0)
    eng.add_argument("--lam", type=float, default=0.01)
    eng.add_argument("--gamma0", type=float, default=1e-3)
    eng.add_argument("--t-hot", type=float, default=2.0)
    eng.add_argument("--t-cold", type=float, default=0.1)
    _common(eng)
    eng.set_defaults(func=run_engine, _parser=eng)


def _common(p) -> None:
    p.add_argument("--charging", choices=tuple(CHARGINGS), default="collision",
                   help="charging implementation (default collision: gates + resets)")
    p.add_argument("--steps", type=int, help="collision steps M per charging stroke (default: chosen for 1e-3 accuracy)")
    p.add_argument("--discharge", action="store_true",
                   help="also measure the energy before and after the optimal discharge (direct work)")
    p.add_argument("--readout-mitigation", action="store_true",
                   help="also run readout calibration circuits (every qubit in 0, in 1) and correct readout "
                        "errors in the fits (qbexp analyze DIR --no-mitigation shows the raw estimates)")
    p.add_argument("--shots", type=int, required=True, help="shots per circuit")
    p.add_argument("--seed", type=int, default=None, help="seed of the simulator and the bootstrap")
    p.add_argument("--backend", default="aer", help="backend profile: a name in backends/ or a .toml path (default aer)")
    p.add_argument("--out", type=Path, required=True, help="run directory (new, or this same run to resume)")
    p.add_argument("--retry-failed", action="store_true", help="resubmit circuits whose job failed or was cancelled")
    p.add_argument("--sweep", metavar="NAME=GRID",
                   help="run a grid of points as one batch, each in OUT/NAME=VALUE/, with OUT/sweep.csv and "
                        "sweep.png: GRID is START:STOP:COUNT (inclusive) or V1,V2,...; NAME: collective "
                        f"{', '.join(SWEEPABLE['collective'])}; engine {', '.join(SWEEPABLE['engine'])}")
    add_engine(p)
    p.add_argument("--json", action="store_true", help="print results.json instead of a table")


def run_collective(args) -> int:
    if _sweeping(args, "n", "beta"):
        return run_sweep_command(args, CHARGINGS)
    _check_shots(args.shots)
    model = collective_battery(args.n, args.beta, omega=args.omega, gamma=args.gamma, f=args.f)
    rho0 = initial_state(args.init, args.n, hamiltonian=model.battery_hamiltonian, beta=args.beta)
    params = {"n": args.n, "beta": args.beta, "omega": args.omega, "gamma": args.gamma, "f": args.f, "init": args.init}
    plan = plan_collective(model, rho0, charging=CHARGINGS[args.charging], discharge=args.discharge,
                           steps=args.steps, parameters=params, readout_calibration=args.readout_mitigation)
    return _execute(plan, args)


def run_engine(args) -> int:
    if _sweeping(args, "tau"):
        return run_sweep_command(args, CHARGINGS)
    _check_shots(args.shots)
    model = two_bath_engine(omega0=args.omega0, lam=args.lam, gamma0=args.gamma0, t_hot=args.t_hot, t_cold=args.t_cold)
    params = {"tau": args.tau, "cycles": args.cycles, "engine_discharge": args.engine_discharge, "omega0": args.omega0,
              "lam": args.lam, "gamma0": args.gamma0, "t_hot": args.t_hot, "t_cold": args.t_cold}
    plan = plan_engine(model, args.tau, args.cycles, charging=CHARGINGS[args.charging], discharge=args.discharge,
                       engine_discharge=args.engine_discharge, steps=args.steps, parameters=params,
                       readout_calibration=args.readout_mitigation)
    return _execute(plan, args)


def _sweeping(args, *required) -> bool:
    """Whether ``--sweep`` is given (its spec checked); the options ``required`` unless swept must be set."""
    swept = swept_name(args)
    missing = [f"--{o.replace('_', '-')}" for o in required if getattr(args, o) is None and o != swept]
    if missing:
        args._parser.error("the following arguments are required: " + ", ".join(missing))
    return swept is not None


def _check_shots(shots) -> None:
    if shots < 1:
        raise QbexpError(f"--shots {shots}; it must be at least 1")


def _execute(plan, args) -> int:
    results = execute(plan, args.out, backend=args.backend, shots=args.shots, seed=args.seed,
                      retry_failed=args.retry_failed, argv=args.argv)
    if results is None:
        print(f"not all counts are in yet; see `qbexp status {args.out}` and `qbexp fetch {args.out}`")
        return 1
    print_results(results, args.json, args.out)
    return 0


def print_results(results: dict, as_json: bool, out: Path) -> None:
    if as_json:
        emit(results, True)
        return
    rows = {}
    for name, est in results["estimates"].items():
        lo, hi = est["ci95"]
        rows[name] = f"{est['value']:.5f} ± {est['stderr']:.5f}  [{lo:.5f}, {hi:.5f}]  exact {results['exact'][name]:.5f}"
    mitigated = ", readout-mitigated" if results.get("readout_mitigation") else ""
    emit(rows, False, title=f"{results['kind']} battery{mitigated}: estimate ± stderr [95% CI], exact  ({out}/results.json)")
