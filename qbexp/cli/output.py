"""Printing results: one JSON object (``--json``) or a readable two-column table."""

from __future__ import annotations

import json
import math


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
