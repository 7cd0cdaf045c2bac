"""``qbexp simulate collective``: the exact charged state of the collective battery."""

from __future__ import annotations

import math

import numpy as np

from qbexp.backends.store import check_outside_runs
from qbexp.cli.options import add_engine, path_option
from qbexp.cli.output import check_writable_parent, emit
from qbexp.models.collective import check_parameters
from qbexp.dynamics.engines import resolve_engine
from qbexp.dynamics.schur import SCHUR_MAX_QUBITS
from qbexp.errors import InitialStateError, QbexpError
from qbexp.experiments.collective import charge_collective, check_charging_duration
from qbexp.experiments.sweep import SWEEP_FILE
from qbexp.models.collective import COUPLINGS
from qbexp.models.states import INITIAL_STATE_FORMS
from qbexp.progress import showing_progress


HELP = "N qubits collectively coupled to one thermal bath (Cakmak, Eq. 5)"
DESCRIPTION = ("Charge the collective battery exactly and print its figures of merit "
               "(ergotropy and energies w.r.t. H0 = omega * sum sigma+ sigma-).")


def register(subparsers) -> None:
    p = subparsers.add_parser("collective", help=HELP, description=DESCRIPTION)
    p.add_argument("--n", type=int, required=True, help="number of qubits N")
    p.add_argument("--beta", type=float, required=True,
                   help="inverse bath temperature (0 with --steady: the limit beta -> 0)")
    p.add_argument("--omega", type=float, default=1.0, help="qubit frequency (default 1)")
    p.add_argument("--gamma", type=float, default=1.0, help="decay rate gamma0 (default 1)")
    p.add_argument("--f", type=float, default=0.0, help="dipole-dipole coupling f (default 0)")
    p.add_argument("--coupling", choices=COUPLINGS, default="collective")
    p.add_argument("--init", default="ground", help="initial state: " + ", ".join(INITIAL_STATE_FORMS))
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--steady", action="store_true", help="charge to the steady state (t -> infinity)")
    when.add_argument("--t", type=float, help="charge for a time t")
    p.add_argument("--save-state", help="write the charged density matrix to this .npy file")
    add_engine(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    args.save_state = path_option(args.save_state, "--save-state", ".npy file")
    if args.t is not None and not (math.isfinite(args.t) and args.t >= 0):
        raise QbexpError(f"charging time --t {args.t}; it must be >= 0")
    if args.save_state is not None and args.save_state.name == ".npy":  # Path(".npy").suffix is ""
        raise QbexpError(f"--save-state {args.save_state}: the file name is missing; give a name before .npy")
    if args.save_state is not None and args.save_state.suffix != ".npy":
        raise QbexpError(f"--save-state {args.save_state}: the file name must end in .npy")
    if args.save_state is not None and (args.save_state.exists() or args.save_state.is_symlink()):
        raise QbexpError(f"--save-state {args.save_state} already exists; refusing to overwrite it")
    if args.save_state is not None:
        check_writable_parent(args.save_state, "--save-state")
        check_outside_runs(args.save_state, "--save-state", ("manifest.json", SWEEP_FILE))
    check_parameters(args.beta, args.omega, args.gamma, args.f, beta_zero=args.steady)
    check_charging_duration(args.t, args.beta, args.omega, args.gamma, name="--t ", instead="--steady")
    if args.save_state is not None and args.n > SCHUR_MAX_QUBITS:
        raise QbexpError(f"--save-state writes the dense 2^N x 2^N matrix: N <= {SCHUR_MAX_QUBITS}")
    with showing_progress():
        try:
            charged = charge_collective(
                args.n, args.beta, init=args.init, t=args.t, omega=args.omega,
                gamma=args.gamma, f=args.f, coupling=args.coupling,
            )
        except InitialStateError as err:
            raise QbexpError(f"--init: {err}") from None
    results = {
        "n": args.n, "beta": args.beta, "omega": args.omega, "gamma": args.gamma, "f": args.f,
        "coupling": args.coupling, "init": args.init,
        "t": "steady" if args.steady else args.t,
        "engine": resolve_engine(),
        "solver": charged.solver,
        **charged.figures,
    }
    if charged.note is not None:
        results["note"] = charged.note
    if args.save_state is not None:
        np.save(args.save_state, charged.state)
        results["saved_state"] = str(args.save_state)
    emit(results, args.json, title=f"collective battery, N = {args.n}, beta = {args.beta}")
    return 0
