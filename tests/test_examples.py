"""The documentation runs: examples/quickstart.py end to end, and the README's five lines."""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_runs_and_its_numbers_are_right(tmp_path, monkeypatch, capsys):
    backend = matplotlib.get_backend()
    monkeypatch.setattr(sys, "argv", ["quickstart.py", str(tmp_path)])
    runpy.run_path(str(ROOT / "examples" / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    exact = float(re.search(r"exact steady state: ergotropy ([0-9.]+)", out).group(1))
    # Eq. 10 of Cakmak (beta = 1, c = 0.25, omega = 1), independently of the simulation
    from qbexp.dynamics import steady_state
    from qbexp.models import collective_battery
    from qbexp.models.states import c_family_state
    from qbexp.thermo import ergotropy

    model = collective_battery(2, 1.0)
    assert exact == pytest.approx(ergotropy(steady_state(model, c_family_state(0.25)), model.battery_matrix()), abs=1e-5)
    assert "11 circuits: tomo_XX" in out and "energy_after" in out
    row = re.search(r"ergotropy\s+([0-9.]+) ± ([0-9.]+)", out)
    assert abs(float(row.group(1)) - exact) < 4 * float(row.group(2))
    assert (tmp_path / "run.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "sweep.png").exists()
    assert matplotlib.get_backend() == backend  # the library changed no global state


def test_readme_python_section_runs_as_written(monkeypatch, tmp_path):
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Python\n.*?```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    res = namespace["res"]
    assert res.estimates["ergotropy"].contains(res.exact["ergotropy"]) or \
        abs(res.estimates["ergotropy"].value - res.exact["ergotropy"]) < 4 * res.estimates["ergotropy"].stderr
    assert not any(tmp_path.iterdir())  # out=None writes nothing
