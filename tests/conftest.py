"""Test-session settings.

The matrices in these tests are small (at most a few hundred rows), where a multi-threaded BLAS
spends more time synchronising threads than computing; on CI's two cores one thread is faster.
Set before numpy is imported by any test module.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
