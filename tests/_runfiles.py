"""Helpers shared by the tests that damage run directories or drive the other stack."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def fail_circuit(run: Path, name: str) -> None:
    """Lose one circuit's counts and mark its job failed, as after a crashed simulator job:
    ``fetch --retry-failed`` resubmits it."""
    (run / "counts" / f"{name}.json").unlink()
    for record in (run / "jobs").glob("*.json"):
        data = json.loads(record.read_text())
        if name in data.get("names", []):
            data.update(status="ERROR", error="the simulator crashed")
            record.write_text(json.dumps(data))


def other_stack() -> list[str]:
    """The other stack's ``qbexp`` (``QBEXP_OTHER_STACK``), else a separate process of this one."""
    other = os.environ.get("QBEXP_OTHER_STACK")
    return [str(Path(other))] if other else [sys.executable, "-m", "qbexp.cli.main"]
