"""``type=`` helpers for the benchmark scripts' argparse parsers: a bad value becomes argparse's
one-line ``error:`` with exit status 2, before any work, instead of a traceback from deep inside
the run (or a run that silently does nothing).  Each helper returns the parsed value; the
scripts pass the bounds qbexp itself enforces (``MIN_RESAMPLES``, ``MAX_SHOTS``, ...)."""

from __future__ import annotations

import argparse
import math
import re


def _bounds(low, high) -> str:
    return f"from {low:,} to {high:,}" if high is not None else f">= {low:,}"


def integer(low: int, high: int | None = None):
    """An ``int`` from ``low`` to ``high`` inclusive (no upper bound if ``high`` is None)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low or high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range: it must be an integer {_bounds(low, high)}")
        return value

    return parse


def real(low: float, high: float):
    """A finite ``float`` from ``low`` to ``high`` inclusive (NaN and infinities refused)."""

    def parse(text):
        value = _finite(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range: it must be a number from {low:g} to {high:g}")
        return value

    return parse


def positive_real(text) -> float:
    """A finite ``float`` > 0 (a timeout, a tolerance: NaN, infinities, 0 and negatives refused)."""
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range: it must be a finite number > 0")
    return value


def _finite(text) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def seed_range(text) -> range:
    """``START:STOP``, integers with ``0 <= START < STOP``: ``range(START, STOP)``, at least one seed."""
    start, colon, stop = str(text).partition(":")
    try:
        seeds = range(int(start), int(stop))
    except ValueError:
        seeds = None
    if not colon or seeds is None or not 0 <= seeds.start < seeds.stop:
        raise argparse.ArgumentTypeError(f"{text!r} is not START:STOP with integers 0 <= START < STOP")
    return seeds


def names(choices):
    """A comma-separated list of names, each one of ``choices``: the list."""

    def parse(text):
        listed = str(text).split(",")
        unknown = [name for name in listed if name not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(f"{unknown[0]!r} is not one of {', '.join(choices)}")
        return listed

    return parse


def regex(text) -> str:
    """A regular expression ``re`` compiles (returned as given)."""
    try:
        re.compile(text)
    except re.error as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a regular expression: {err}") from None
    return text
