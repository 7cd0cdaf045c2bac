"""Test-session settings.

The matrices in these tests are small (at most a few hundred rows), where a multi-threaded BLAS
spends more time synchronising threads than computing; on CI's two cores one thread is faster.
Set before numpy is imported by any test module.
"""
import os

import pytest

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


#: The files of the coverage tests (hundreds of repetitions; up to 4 minutes a test), run first,
#: and the workers of ``-n 2`` steal tests from each other's queues (pytest-xdist's
#: "worksteal"): the long tests start at once and the short ones fill in around them, instead
#: of one worker running the last long one alone at the end.
SLOW_FIRST = ("test_coherence_coverage.py", "test_tomography_coverage.py")


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: item.path.name not in SLOW_FIRST)  # stable: order kept within each part


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown without it
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") == "load":  # -n's default; an explicit --dist is kept
        from xdist.scheduler import WorkStealingScheduling

        return WorkStealingScheduling(config, log)
    return None


@pytest.fixture
def measured(record_property):
    """``measured(text)``: a figure a statistical test measured (a coverage, a rejection rate),
    listed under "measured figures" at the end of the run, passed or failed.  pytest-xdist
    does not show the tests' own output (``-s``); these travel with the test reports."""
    def report(text: str) -> None:
        record_property("measured", text)
    return report


def pytest_terminal_summary(terminalreporter):
    lines = [f"{report.nodeid}: {value}"
             for outcome in ("passed", "failed")
             for report in terminalreporter.stats.get(outcome, [])
             if report.when == "call"
             for name, value in report.user_properties if name == "measured"]
    if lines:
        terminalreporter.write_sep("-", "measured figures")
        for line in sorted(lines):
            terminalreporter.write_line(line)
