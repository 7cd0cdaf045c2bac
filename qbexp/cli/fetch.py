"""``qbexp fetch DIR``: reconnect to a run's backend and save every result that is ready."""

from __future__ import annotations

from collections import Counter

from qbexp.backends.executors import executor_from_manifest
from qbexp.backends.store import RunStore
from qbexp.backends.submit import fetch_pending
from qbexp.cli.options import path_option
from qbexp.cli.status import NOT_STARTED_HINT, STATES, print_status
from qbexp.errors import IncompleteRun, QbexpError
from qbexp.experiments.run import restore_circuits
from qbexp.experiments.sweep import run_dirs


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "fetch", help="save the results of a run's finished jobs (resumes a run after the process died)",
        description="Reconnect to the backend recorded in DIR/manifest.json, save the counts of every "
        "finished job and record failed ones. Never resubmits a circuit that has a job, unless "
        "--retry-failed asks for failed, cancelled and unconfirmed ones. Exit status 1 while some circuit "
        "lacks its counts (pending, failed, unconfirmed or not submitted), as for the run itself.",
    )
    p.add_argument("dir", help="run directory (holds manifest.json), or a sweep directory: every point")
    p.add_argument("--retry-failed", action="store_true",
                   help="resubmit circuits whose job failed (a simulator's lost with its process too), was cancelled or is unconfirmed")
    p.add_argument("--wait", action="store_true", help="wait until every job has finished (always for simulators: their jobs end with this process)")
    p.add_argument("--timeout", type=float, help="with --wait: stop waiting after this many seconds")
    p.add_argument("--quiet", action="store_true", help="no progress output on stderr")
    p.set_defaults(func=run)


def run(args) -> int:
    args.dir = path_option(args.dir, "DIR", "run directory")
    if args.timeout is not None and not (args.wait and args.timeout > 0):
        raise QbexpError(f"--timeout {args.timeout}; it needs --wait and must be > 0 seconds")
    missing = Counter()
    unstarted = []  # the points a killed sweep never reached: nothing to fetch there
    for k, folder in enumerate(run_dirs(args.dir, unstarted)):
        store = RunStore(folder)
        with executor_from_manifest(store.manifest()) as executor:
            if args.retry_failed:  # failed circuits are resubmitted from circuits.qpy: rebuilt if corrupt
                restore_circuits(store)
            summary = fetch_pending(store, executor, retry_failed=args.retry_failed, wait=args.wait,
                                    timeout=args.timeout, progress=not args.quiet)
        if k:
            print()
        print_status(summary)
        missing.update({state: n for state, n in summary["totals"].items() if state != "saved"})
    if unstarted:
        print(f"\n{len(unstarted)} sweep point(s) not started ({', '.join(d.name for d in unstarted[:5])}"
              f"{', …' if len(unstarted) > 5 else ''}): {NOT_STARTED_HINT.format(sweep=args.dir)}")
    if missing or unstarted:  # exit status 1, as for the run itself: `qbexp fetch DIR --wait && qbexp analyze DIR`
        shown = [f"{missing[state]} circuit(s) {state}" for state in STATES if missing[state]]
        shown += [f"{len(unstarted)} sweep point(s) not started"] if unstarted else []
        raise IncompleteRun(f"{args.dir} is incomplete: {', '.join(shown)}")
    return 0
