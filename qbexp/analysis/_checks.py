"""Argument checks of the analysis's public functions (those :mod:`qbexp.analysis` exports) that
are not about tomography counts (:mod:`qbexp.analysis.tomography_data`) or matrices
(:mod:`qbexp.models.matrices`, :mod:`qbexp.thermo._validate`): seeds, generators, replicate
values and ranges.  Each refuses bad input in one :class:`~qbexp.errors.QbexpError` line naming
the argument and the problem.  The checks only look: the callers compute on what they were
given, so valid input gives bitwise the same results as without them.
"""

from __future__ import annotations

import numbers

import numpy as np

from qbexp.errors import QbexpError, shown
from qbexp.models.matrices import check_integer
from qbexp.models.states import check_numeric


def real_array(values, name: str) -> np.ndarray:
    """``np.asarray(values)``, refused unless it holds real numbers (no strings, booleans, objects,
    complex numbers or ragged lists), all finite."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):  # ragged lists
        raise QbexpError(f"{name} is not an array of numbers (a ragged or mixed list)") from None
    check_numeric(arr, name)
    if arr.dtype.kind == "c":
        raise QbexpError(f"{name} must hold real numbers, got complex values")
    if not np.all(np.isfinite(arr)):
        raise QbexpError(f"NaN or infinite value in {name}")
    return arr


def check_seed(seed, name: str = "seed"):
    """``seed`` unchanged if ``numpy.random.default_rng`` takes it as a seed: None, an integer >= 0,
    or a numpy ``Generator``, ``BitGenerator`` or ``SeedSequence``."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)):
        return seed
    check_integer(seed, name, 0, "non-negative")
    return seed


def check_rng(rng, name: str = "rng") -> np.random.Generator:
    """``rng`` unless it is not a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise QbexpError(f"{name} must be a numpy.random.Generator (np.random.default_rng(seed)), got {shown(rng)}")
    return rng


def check_replicates(values, name: str) -> np.ndarray:
    """``np.asarray(values)``: a 1-D array of at least 2 finite real values (a spread needs two)."""
    arr = real_array(values, name)
    if arr.ndim != 1 or arr.size < 2:
        raise QbexpError(f"{name} must be a 1-D array of at least 2 values, got shape {arr.shape}")
    return arr


def check_bounds(bounds, name: str = "bounds"):
    """``bounds`` unless it is not a pair ``(low, high)`` of real numbers (±inf allowed, NaN not)
    with ``low <= high``."""
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise QbexpError(f"{name} must be a pair (low, high), got {shown(bounds)}") from None
    for end in (lo, hi):
        if isinstance(end, (bool, np.bool_)) or not isinstance(end, numbers.Real) or np.isnan(end):
            raise QbexpError(f"{name} must be a pair of numbers (low, high), got {shown(bounds)}")
    if lo > hi:
        raise QbexpError(f"{name} = ({lo:g}, {hi:g}): low must be <= high")
    return bounds
