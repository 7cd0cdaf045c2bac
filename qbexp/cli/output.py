"""Printing results: one JSON object (``--json``) or a readable two-column table."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from qbexp.errors import QbexpError


def check_writable_parent(path: Path, option: str) -> None:
    """Before anything is computed: the folder that will hold ``path`` exists and is writable."""
    parent = Path(path).parent
    for folder in (parent, *parent.parents):
        if folder.exists() or folder.is_symlink():
            break
    if folder != parent:
        raise QbexpError(f"{option} {path}: the folder {parent} does not exist" if folder.is_dir()
                         else f"{option} {path}: {folder} is not a folder")
    if not parent.is_dir():
        raise QbexpError(f"{option} {path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise QbexpError(f"{option} {path}: the folder {parent} is not writable")


def check_out_dir(path: Path, option: str = "--out") -> None:
    """Before anything is computed: ``path`` is a folder or can be made one, and is writable."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise QbexpError(f"{option} {path}: a symbolic link to nothing (dangling or a loop)")
    if path.exists() and not path.is_dir():
        raise QbexpError(f"{option} {path} exists and is not a directory")
    for folder in (path, *path.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise QbexpError(f"{option} {path}: {folder} is a file, not a folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise QbexpError(f"{option} {path}: {folder} is not writable")
            return


def emit(results: dict, as_json: bool, title: str = "") -> None:
    if as_json:
        print(json.dumps(results, indent=2, default=_jsonable))
        return
    if title:
        print(title)
        print("-" * len(title))
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {_format(value)}")


def _format(value) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.10g}"
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], float):
        shown = ", ".join(f"{v:.6g}" for v in value[:8])
        return f"[{shown}{', …' if len(value) > 8 else ''}] ({len(value)} values)"
    return str(value)


def _jsonable(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
