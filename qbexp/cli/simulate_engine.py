"""``qbexp simulate engine``: the NESS-fuelled two-qubit engine (Tacchino et al., Eqs. 4–13, Fig. 4)."""

from __future__ import annotations

import math

from qbexp.cli.options import add_engine
from qbexp.cli.output import emit
from qbexp.dynamics.engines import resolve_engine
from qbexp.dynamics.evolution import check_charging_time
from qbexp.errors import QbexpError
from qbexp.dynamics.cycle import CONVERGENCE_RTOL, DISCHARGES, MAX_CYCLES, run_engine
from qbexp.models.engine import FIG4_PARAMETERS, RATE_NAMES, check_coupling, two_bath_engine


HELP = "two coupled qubits charged by a hot and a cold bath, discharged by a unitary (Tacchino et al.)"
DESCRIPTION = ("Run the two-stroke engine from its NESS: per-cycle work, operational steady state (OSS), "
               "power, heat from the hot bath per cycle and efficiency. Defaults are the paper's Fig. 4.")


def register(subparsers) -> None:
    p = subparsers.add_parser("engine", help=HELP, description=DESCRIPTION)
    d = FIG4_PARAMETERS
    p.add_argument("--omega0", type=float, default=d["omega0"], help=f"qubit gap omega0 (default {d['omega0']:g})")
    p.add_argument("--lam", type=float, default=d["lam"], help=f"qubit-qubit coupling lambda (default {d['lam']:g})")
    p.add_argument("--gamma0", type=float, help=f"bath coupling Gamma0 of Eq. 9 (default {d['gamma0']:g})")
    p.add_argument("--t-hot", type=float, help=f"temperature T_A of the hot (antisymmetric) bath (default {d['t_hot']:g})")
    p.add_argument("--t-cold", type=float, help=f"temperature T_S of the cold (symmetric) bath (default {d['t_cold']:g})")
    p.add_argument("--rates", help="explicit rates " + ",".join(RATE_NAMES) + " (replaces Eq. 9)")
    p.add_argument("--tau", type=float, required=True, help="charging time per cycle")
    p.add_argument("--cycles", type=int, default=30, help="cycles listed from the NESS (default 30)")
    p.add_argument("--discharge", default="local1", metavar="|".join(DISCHARGES),
                   help="discharge unitary (default local1)")
    add_engine(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    if not (math.isfinite(args.tau) and args.tau > 0):
        raise QbexpError(f"--tau {args.tau}; it must be > 0")
    if not 1 <= args.cycles <= MAX_CYCLES:
        raise QbexpError(f"--cycles {args.cycles}; it must be from 1 to {MAX_CYCLES:,}")
    check_coupling(args.omega0, args.lam)
    if args.rates is not None:
        given = [f"--{n}" for n in ("gamma0", "t-hot", "t-cold") if getattr(args, n.replace("-", "_")) is not None]
        if given:
            raise QbexpError(f"--rates replaces {', '.join(given)}; give one or the other")
        model = two_bath_engine(args.omega0, args.lam, rates=_parse_rates(args.rates))
    else:
        if args.gamma0 == 0:  # every rate of Eq. (9) would be 0: the cycle then has no unique fixed point
            raise QbexpError("--gamma0 0 uncouples both baths, and the engine then has no unique operating "
                             "state; it must be > 0")
        model = two_bath_engine(
            args.omega0, args.lam,
            **{name: FIG4_PARAMETERS[name] if getattr(args, name) is None else getattr(args, name)
               for name in ("gamma0", "t_hot", "t_cold")},
        )
    check_charging_time(model, args.tau, "--tau")  # the scale of beta's check too: 1e-320 is refused
    result = run_engine(model, args.tau, cycles=args.cycles, discharge=args.discharge)
    results = {
        **{k: model.parameters[k] for k in ("omega0", "lam", "t_hot", "t_cold")},
        **model.parameters["rates"],
        "cycles": args.cycles,
        "convergence_rtol": CONVERGENCE_RTOL,
        "engine": resolve_engine(),
        **result.summary(),
    }
    emit(results, args.json, title=f"two-bath engine, tau = {args.tau:g}, discharge = {args.discharge}")
    return 0


def _parse_rates(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != len(RATE_NAMES):
        raise QbexpError(f"--rates {text!r}: expected four comma-separated numbers {','.join(RATE_NAMES)}")
    return values
