"""``qbexp simulate engine``: output, defaults (Fig. 4 caption) and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qbexp.cli.main import main
from qbexp.dynamics.cycle import run_engine
from qbexp.models.engine import two_bath_engine

KEYS = ("ness_ergotropy", "oss_ergotropy", "power", "heat_hot", "efficiency", "work_per_cycle",
        "cycles_to_converge")


def run_json(capsys, *args):
    assert main(["simulate", "engine", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_defaults_are_fig4(capsys):
    out = run_json(capsys, "--tau", "150")
    assert set(KEYS) <= set(out)
    assert (out["omega0"], out["lam"], out["t_hot"], out["t_cold"], out["discharge"]) == (1.0, 0.01, 2.0, 0.1, "local1")
    assert len(out["work_per_cycle"]) == out["cycles"] == 30
    expected = run_engine(two_bath_engine(), 150.0, cycles=30)
    for key in KEYS:
        assert out[key] == pytest.approx(getattr(expected, key), rel=1e-12)
    assert out["work_per_cycle"][0] == pytest.approx(out["ness_ergotropy"], rel=1e-9)


def test_explicit_rates_and_optimal_discharge(capsys):
    out = run_json(capsys, "--tau", "50", "--rates", "3.5e-4,5e-4,3.5e-4,5.5e-3", "--cycles", "4",
                   "--discharge", "optimal")
    assert (out["GAp"], out["GAm"], out["GSp"], out["GSm"]) == (3.5e-4, 5e-4, 3.5e-4, 5.5e-3)
    assert len(out["work_per_cycle"]) == 4
    assert out["discharge"] == "optimal" and out["efficiency"] > 0


def test_table_output(capsys):
    assert main(["simulate", "engine", "--tau", "150", "--cycles", "3", "--t-hot", "1.5"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("two-bath engine, tau = 150, discharge = local1")
    for key in KEYS:
        assert key in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--tau", "0"], "--tau"),
        (["--tau", "-5"], "--tau"),
        (["--tau", "10", "--cycles", "0"], "--cycles"),
        (["--tau", "10", "--t-hot", "-2"], "t_hot"),
        (["--tau", "10", "--t-cold", "-0.1"], "t_cold"),
        (["--tau", "10", "--gamma0", "-1"], "gamma0"),
        (["--tau", "10", "--rates", "1e-3,1e-3,-1e-3,1e-3"], "GSp"),
        (["--tau", "10", "--rates", "1e-3,1e-3,1e-3"], "four comma-separated"),
        (["--tau", "10", "--rates", "1e-3,x,1e-3,1e-3"], "four comma-separated"),
        (["--tau", "10", "--rates", "1e-3,1e-3,1e-3,1e-3", "--t-hot", "3"], "--t-hot"),
        (["--tau", "10", "--discharge", "swap"], "local1, local2, global, optimal"),
    ],
)
def test_bad_input_is_one_line(capsys, args, message):
    assert main(["simulate", "engine", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("qbexp: error:")
    assert message in err


def test_bad_input_from_the_shell():
    proc = subprocess.run(
        [sys.executable, "-m", "qbexp.cli.main", "simulate", "engine", "--tau", "10", "--rates", "1,2"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stdout == ""
