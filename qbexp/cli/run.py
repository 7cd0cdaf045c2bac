"""``qbexp run collective|engine``: a thin shell over :func:`qbexp.run` and :func:`qbexp.sweep`.

The options of each kind are the fields of its experiment class
(:class:`~qbexp.experiments.experiment.CollectiveCharging`,
:class:`~qbexp.experiments.experiment.EngineCycles`): their names, defaults, help and choices
are defined there once; the shots, seed, backend and run directory are the run's.
"""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path

from qbexp.backends.profiles import load_profile
from qbexp.cli.options import as_options, path_option
from qbexp.cli.output import emit
from qbexp.cli.sweep import print_sweep
from qbexp.errors import InitialStateError, QbexpError
from qbexp.experiments.experiment import EXPERIMENTS
from qbexp.experiments.results import mitigation_label
from qbexp.experiments.sweep import parse_sweep

HELP = {
    "collective": "collective battery charged to its steady state (Cakmak)",
    "engine": "two-bath engine, charged state after K charging strokes from the discharged NESS (Tacchino)",
}
#: earlier names of options, still accepted
ALIASES = {("engine", "discharge"): ["--engine-discharge"]}


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run a battery experiment in circuits and estimate its figures of merit")
    kinds = parser.add_subparsers(dest="kind", required=True)
    for kind, cls in EXPERIMENTS.items():
        p = kinds.add_parser(kind, help=HELP[kind], description=(cls.__doc__ or "").split("\n\n")[0])
        for f in dataclasses.fields(cls):
            if f.init:
                _add_field(p, kind, f)
        _common(p, kind)
        p.set_defaults(func=run, _parser=p, _cls=cls)


def _flag(f) -> str:
    """The option of the experiment's field ``f``."""
    return f.metadata.get("cli") or "--" + f.name.replace("_", "-")


def _add_field(p, kind: str, f) -> None:
    meta = f.metadata
    flags = [_flag(f), *ALIASES.get((kind, f.name), [])]
    required = f.default is dataclasses.MISSING
    help_text = meta.get("help", "") + ("" if required or f.default in (None, False) else f" (default {f.default})")
    if required:
        help_text += " (required unless swept)"
    if f.default is False:
        p.add_argument(*flags, dest=f.name, action="store_true", help=help_text)
        return
    kind_of = {"int": int, "float": float}.get(str(f.type).split(" ")[0].replace("int | None", "int"), None)
    if f.name == "steps":
        kind_of = int
    # default None, the field's default applying: an option given is told from one left out (--sweep)
    p.add_argument(*flags, dest=f.name, type=kind_of or str, choices=meta.get("choices"), default=None,
                   help=help_text)


def _common(p, kind: str) -> None:
    sweepable = ", ".join(EXPERIMENTS[kind].sweepable())
    p.add_argument("--shots", type=int, required=True, help="shots per circuit")
    p.add_argument("--seed", type=int, default=None, help="seed of the simulator and the bootstrap")
    p.add_argument("--backend", default="aer", help="backend profile: a name (aer, aer-noisy, ibm, yours) or a .toml path "
                   "(default aer)")
    p.add_argument("--out", required=True, help="run directory (new, or this same run to resume)")
    p.add_argument("--retry-failed", action="store_true", help="resubmit circuits whose job failed or was cancelled")
    p.add_argument("--sweep", metavar="NAME=GRID", action="append",
                   help="run a grid of points as one batch, each in OUT/NAME=VALUE/, with OUT/sweep.csv and "
                        f"sweep.png: GRID is START:STOP:COUNT (inclusive) or V1,V2,...; NAME one of {sweepable}")
    p.add_argument("--json", action="store_true", help="print results.json instead of a table")


def run(args) -> int:
    import qbexp

    from qbexp.experiments.run import check_shots

    out = path_option(args.out, "--out")
    check_shots(args.shots, "--shots")
    cls = args._cls
    given = {f.name: f for f in dataclasses.fields(cls) if f.init and getattr(args, f.name) is not None}
    fields = {name: getattr(args, name) for name in given}  # the others keep the experiment's defaults
    swept = values = None
    if args.sweep is not None:
        if len(args.sweep) > 1:  # qbexp.sweep varies one parameter
            raise QbexpError(f"--sweep is given {len(args.sweep)} times ({', '.join(args.sweep)}); "
                             "a sweep varies one parameter: give --sweep once")
        swept, values = parse_sweep(args.sweep[0], args.kind)
        target = swept if swept != "c" else "init"
        # an option the sweep would silently replace (a value it visits anyway is no loss)
        if target in given and (fields[target] != "ground" if swept == "c" else fields[target] not in values):
            what = "the initial state" if swept == "c" else f"{swept}, and the sweep does not visit {fields[target]}"
            raise QbexpError(f"{_flag(given[target])} {fields[target]} and --sweep {swept}=... both set {what}; "
                             f"drop {_flag(given[target])}")
        fields[target] = values[0] if swept != "c" else "ground"
    missing = [_flag(f) for f in dataclasses.fields(cls)
               if f.init and f.default is dataclasses.MISSING and fields.get(f.name) is None]
    if missing:
        args._parser.error("the following arguments are required: " + ", ".join(missing))
    experiment = _experiment(cls, fields)
    command = "qbexp " + " ".join(map(_shell_word, args.argv))
    with as_options(prefix="--backend"):
        load_profile(args.backend)  # a profile that does not load is --backend's error, before any work
    if swept is not None:
        with as_options():
            summary = qbexp.sweep(experiment, swept, values, backend=args.backend, shots=args.shots,
                                  seed=args.seed, out=out, command=command, retry_failed=args.retry_failed)
        print_sweep(summary.to_dict(), args.json)
        return 0
    with as_options():
        result = qbexp.run(experiment, backend=args.backend, shots=args.shots, seed=args.seed, out=out,
                           retry_failed=args.retry_failed, command=command)
    print_results(result.to_dict(), args.json, out)
    return 0


def _experiment(cls, fields: dict):
    """``cls(**fields)``; a refused initial state (:class:`~qbexp.errors.InitialStateError`) is
    --init's error (its messages name the state only)."""
    try:
        return cls(**fields)
    except InitialStateError as err:
        text = str(err).replace(f"{cls.__name__}: init file:", "--init file:")
        raise QbexpError(text if "--init" in text else f"--init: {text}") from None


def _shell_word(arg: str) -> str:
    """``arg`` quoted for a POSIX shell, in one line: control characters (a newline) in bash's
    ``$'...'`` quoting, so the command recorded in the manifest is one line that runs as typed."""
    if arg.isprintable():
        return shlex.quote(arg)
    escaped = "".join("\\" + ch if ch in "\\'" else ch if ch.isprintable() else repr(ch)[1:-1] for ch in arg)
    return f"$'{escaped}'"


def print_results(results: dict, as_json: bool, out: Path) -> None:
    if as_json:
        emit(results, True)
        return
    rows = {}
    device = results.get("device", {})
    for name, est in results["estimates"].items():
        seen = f"  device {device[name]:.5f}" if name in device else ""
        interval = ("[no interval: see note in results.json]" if est.get("ci95") is None
                    else "[{:.5f}, {:.5f}]".format(*est["ci95"]))
        rows[name] = (f"{est['value']:.5f} ± {est['stderr']:.5f}  {interval}{seen}  "
                      f"exact {results['exact'][name]:.5f}")
    emit(rows, False, title=f"{results['kind']} battery{mitigation_label(results)}: estimate ± stderr [95% CI], "
                            f"exact  ({out}/results.json)")
    for note in results.get("notes", []):
        print(f"note: {note}")
