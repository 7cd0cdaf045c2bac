"""``qbexp status DIR``: the jobs and circuits of a run directory, from its files alone."""

from __future__ import annotations

from qbexp.backends.executors import object_backend
from qbexp.backends.store import RunStore
from qbexp.backends.submit import run_status
from qbexp.cli.options import path_option
from qbexp.experiments.sweep import run_dirs

STATES = ("saved", "pending", "lost", "failed", "unconfirmed", "not submitted")
#: what to do about a sweep point the sweep never reached
NOT_STARTED_HINT = "the sweep stopped before this point; run the command that made {sweep} again"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "status", help="show which jobs and circuits of a run directory are saved, pending or failed",
        description="Print each job (id, status, counts saved) and each circuit (saved, pending, lost: a simulator job "
        "whose process ended, failed, unconfirmed, not submitted) of a run directory. Reads the directory only: no backend is contacted.",
    )
    p.add_argument("dir", help="run directory (holds manifest.json), or a sweep directory: every point")
    p.set_defaults(func=run)


def run(args) -> int:
    args.dir = path_option(args.dir, "DIR", "run directory")
    unstarted = []  # the points a killed sweep never reached
    for k, folder in enumerate(run_dirs(args.dir, unstarted)):
        if k:
            print()
        store = RunStore(folder)
        print_status(run_status(store), object_backend(store.manifest()))
    for folder in unstarted:
        print(f"\n{folder}: not started: {NOT_STARTED_HINT.format(sweep=args.dir)}")
    return 0


def print_status(summary: dict, made_with: str | None = None) -> None:
    """Print a :func:`~qbexp.backends.submit.run_status` summary as tables; ``made_with``: the
    run's Python object (``"backend"``, ``"sampler"``; None for a profile), whose jobs ``qbexp
    fetch`` cannot reach: its pending and failed circuits are resubmitted by qbexp.run."""
    totals = summary["totals"]
    shown = ", ".join(f"{totals[s]} {s}" for s in STATES if totals.get(s))
    print(f"{summary['dir']}: {sum(totals.values())} circuits: {shown or 'none'}")
    if summary["jobs"]:
        width = max(len(j["job"]) for j in summary["jobs"])
        print(f"\n{'job':<{width}}  {'status':<11} saved     submitted                  backend")
        for job in summary["jobs"]:
            saved = f"{job['saved']}/{job['circuits']}"
            line = f"{job['job']:<{width}}  {job['status']:<11} {saved:<9} {job['submitted_at'] or '-':<26} {job['backend']}"
            print(line + (f"  error: {job['error']}" if job["error"] else ""))
    if summary["circuits"]:
        width = max(len(n) for n in summary["circuits"])
        print(f"\n{'circuit':<{width}}  {'state':<13} job")
        for name, info in summary["circuits"].items():
            print(f"{name:<{width}}  {info['state']:<13} {info['job'] or '-'}")
    again = (f"its jobs lived in the process that ran them (a Python {made_with} object): call qbexp.run again "
             f"with the same backend, out={summary['dir']!r}, retry_failed=True") if made_with else None
    if totals.get("pending"):
        print(f"\n{totals['pending']} circuit(s) pending: {again or 'qbexp fetch ' + summary['dir']}")
    if totals.get("lost"):
        print(f"{totals['lost']} circuit(s) lost: the process that ran their simulator job ended before "
              f"saving them; {again or 'qbexp fetch ' + summary['dir'] + ' --retry-failed'}")
    if totals.get("failed") or totals.get("unconfirmed"):
        n = totals.get("failed", 0) + totals.get("unconfirmed", 0)
        print(f"{n} circuit(s) failed or unconfirmed: {again or 'qbexp fetch ' + summary['dir'] + ' --retry-failed'}")
    if totals.get("not submitted"):
        print(f"{totals['not submitted']} circuit(s) not submitted: run the command that made {summary['dir']} again")
