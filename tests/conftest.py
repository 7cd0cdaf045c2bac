"""Test-session settings.

The matrices in these tests are small (at most a few hundred rows), where a multi-threaded BLAS
spends more time synchronising threads than computing; on CI's two cores one thread is faster.
Set before numpy is imported by any test module.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def pytest_report_header(config):
    import qbexp

    return f"qbexp {qbexp.__version__} from {qbexp.__file__}"


def pytest_sessionstart(session):
    """In CI's second leg the suite must test the installed wheel, not the checkout."""
    if os.environ.get("QBEXP_EXPECT_INSTALLED"):
        import qbexp

        if "site-packages" not in qbexp.__file__:
            raise RuntimeError(f"QBEXP_EXPECT_INSTALLED is set but qbexp comes from {qbexp.__file__}")
