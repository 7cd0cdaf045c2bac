"""The process that holds a simulator's jobs (``Executor.jobs_end_with_process``: Aer's pool, a
Dask client, a Python backend object): its jobs end with it, and only a record of which process
it was lets ``qbexp status``, which reads files alone, say so (it showed a killed run's Aer jobs
as pending, and ``qbexp fetch`` without ``--retry-failed`` could only mark them failed)."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def this_process() -> dict:
    """``{"host", "pid", "started"}`` of this process, for its job records."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "started": _start_time(os.getpid())}


def _start_time(pid: int) -> int | None:
    """Field 22 of ``/proc/PID/stat`` (clock ticks after boot): tells a reused pid apart; None
    where there is no ``/proc`` (macOS, Windows: a pid alone is trusted there)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        return int(text.rsplit(")", 1)[1].split()[19])  # fields after the name start at field 3
    except (OSError, ValueError, IndexError):
        return None


def has_ended(process) -> bool:
    """True where a job record's ``process`` is known to have ended: it ran on this host and its
    pid is gone (or belongs to a later process).  False where it cannot be told (another host,
    no record: a run written before qbexp kept one, or by a remote backend)."""
    if not isinstance(process, dict) or process.get("host") != socket.gethostname():
        return False
    pid = process.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a process of another user holds the pid now: its start time tells
        pass
    except OSError:  # cannot be asked
        return False
    started = process.get("started")
    now = _start_time(pid)
    return isinstance(started, int) and now is not None and now != started
