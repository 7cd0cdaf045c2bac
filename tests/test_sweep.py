"""``qbexp run ... --sweep``: a grid of runs as one batch, one table, resumable like a run."""

from __future__ import annotations

import csv
import json

import pytest
from distributed import LocalCluster

from qbexp.backends import aer
from qbexp.cli.main import main
from qbexp.dynamics import steady_state
from qbexp.errors import QbexpError
from qbexp.experiments.experiment import CollectiveCharging
from qbexp.experiments.sweep import grid_values, parse_sweep, run_sweep
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state
from qbexp.thermo import ergotropy

BASE = ["run", "collective", "--n", "2", "--beta", "1", "--charging", "kraus", "--shots", "400", "--seed", "7"]


def _rows(out):
    with open(out / "sweep.csv", newline="") as fh:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.parent.name in ("jobs", "counts")}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "c"
    assert main([*BASE, "--sweep", "c=0:1:3", "--out", str(out)]) == 0
    return out


def test_sweep_table_holds_every_point_with_exact_values(swept):
    rows = _rows(swept)
    assert [r["c"] for r in rows] == [0.0, 0.5, 1.0]
    model = collective_battery(2, 1.0)
    for r in rows:  # exact column = an independent steady-state calculation
        w = ergotropy(steady_state(model, c_family_state(r["c"])), model.battery_matrix())
        assert r["ergotropy_exact"] == pytest.approx(w, abs=1e-9)
        for name in ("ergotropy", "energy", "coherence_l1"):
            assert abs(r[name] - r[f"{name}_exact"]) <= 3.5 * r[f"{name}_stderr"], (r["c"], name)
            assert r[f"{name}_ci95_lo"] <= r[name] <= r[f"{name}_ci95_hi"]
    assert (swept / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    sweep = json.loads((swept / "sweep.json").read_text())
    assert [p["dir"] for p in sweep["points"]] == ["c=0.0", "c=0.5", "c=1.0"]
    assert len({p["seed"] for p in sweep["points"]}) == 3  # independent shot noise per point
    manifest = json.loads((swept / "c=0.5" / "manifest.json").read_text())
    assert manifest["command"] == sweep["command"] and manifest["seed"] == sweep["points"][1]["seed"]


def test_each_point_is_an_ordinary_run(swept, capsys):
    point = json.loads((swept / "sweep.json").read_text())["points"][1]
    results = json.loads((swept / "c=0.5" / "results.json").read_text())
    assert results["parameters"]["init"] == "c:0.5" and results["shots"] == 400
    jobs = _files(swept / "c=0.5")
    assert main(["analyze", str(swept / "c=0.5"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["estimates"] == results["estimates"]
    # the equivalent single run (with the point's seed) is the same run: nothing is submitted
    assert main(["run", "collective", "--n", "2", "--beta", "1", "--charging", "kraus", "--init", "c:0.5",
                 "--shots", "400", "--seed", str(point["seed"]), "--out", str(swept / "c=0.5")]) == 0
    assert _files(swept / "c=0.5") == jobs


def test_rerun_submits_nothing_and_other_grids_are_refused(swept, capsys):
    before = _files(swept)
    table = (swept / "sweep.csv").read_bytes()
    assert main([*BASE, "--sweep", "c=0:1:3", "--out", str(swept)]) == 0
    assert _files(swept) == before and (swept / "sweep.csv").read_bytes() == table
    (swept / "sweep.csv").unlink()
    assert main(["analyze", str(swept)]) == 0  # the whole sweep, from its counts
    assert (swept / "sweep.csv").read_bytes() == table
    capsys.readouterr()
    assert main([*BASE, "--sweep", "c=0,1", "--out", str(swept)]) == 2
    err = capsys.readouterr().err
    assert "holds another sweep" in err and err.count("\n") == 1
    assert _files(swept) == before


@pytest.mark.parametrize("spec, message", [
    ("x=0:1:3", "cannot sweep 'x' in a collective run; sweepable: c, n, beta"),
    ("c", "expected NAME=START:STOP:COUNT"),
    ("c=0:1", "START:STOP:COUNT"),
    ("c=0:1:1", "at least 2 points"),
    ("c=0:1:x", "COUNT 'x' is not an integer"),
    ("c=0,a", "'a' is not a number"),
    ("c=0.5,0.5", "repeats a value"),
    ("n=1.5,2", "1.5 is not an integer"),
    ("c=0:1.5:4", "c must lie in [0, 1]"),  # found while planning, before anything is written
])
def test_bad_grid_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, spec, message):
    out = tmp_path / "bad"
    assert main([*BASE, "--sweep", spec, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_sweep_refuses_a_run_directory_and_needs_no_option_for_the_swept_parameter(tmp_path, capsys):
    run = tmp_path / "run"
    assert main([*BASE, "--out", str(run)]) == 0
    capsys.readouterr()
    assert main([*BASE, "--sweep", "c=0,1", "--out", str(run)]) == 2
    assert "holds a single run, not a sweep" in capsys.readouterr().err
    assert not (run / "sweep.json").exists()
    assert main([*BASE, "--init", "thermal", "--sweep", "c=0,1", "--out", str(tmp_path / "y")]) == 2
    assert "--init thermal and --sweep c=... both set the initial state" in capsys.readouterr().err
    # --beta is required, unless beta is swept
    with pytest.raises(SystemExit):
        main(["run", "collective", "--n", "2", "--shots", "10", "--out", str(tmp_path / "x")])
    assert "required: --beta" in capsys.readouterr().err
    assert parse_sweep("beta=0.01,1,10", "collective") == ("beta", [0.01, 1.0, 10.0])
    assert parse_sweep("t-hot=1:2:3", "engine") == ("t_hot", [1.0, 1.5, 2.0])
    assert grid_values("0:1:11")[3] == 0.3 and grid_values("1:5:3", int) == [1, 3, 5]
    with pytest.raises(QbexpError, match="sweepable: tau, cycles"):
        parse_sweep("c=0:1:3", "engine")


def test_lost_jobs_stop_the_sweep_until_retried(tmp_path, capsys, monkeypatch):
    out = tmp_path / "lost"
    args = [*BASE, "--shots", "100", "--sweep", "c=0.2,0.8", "--out", str(out)]
    assert main(args) == 0
    (out / "c=0.8" / "counts" / "tomo_XY.json").unlink()
    monkeypatch.setattr(aer, "_JOBS", {})  # as in a new process: the simulator jobs are gone
    capsys.readouterr()
    assert main(args) == 1
    assert "1 of 2 points lack counts (c=0.8)" in capsys.readouterr().err
    assert main([*args, "--retry-failed"]) == 0
    assert (out / "c=0.8" / "counts" / "tomo_XY.json").exists()


def test_status_and_fetch_take_a_whole_sweep(tmp_path, capsys, monkeypatch):
    out = tmp_path / "lost"
    args = [*BASE, "--shots", "100", "--sweep", "c=0.2,0.8", "--out", str(out)]
    assert main(args) == 0
    saved = json.loads((out / "c=0.8" / "counts" / "tomo_YZ.json").read_text())["counts"]
    (out / "c=0.8" / "counts" / "tomo_YZ.json").unlink()
    monkeypatch.setattr(aer, "_JOBS", {})  # as in a new process: the simulator jobs are gone
    capsys.readouterr()
    assert main(["status", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"{out / 'c=0.2'}: 9 circuits: 9 saved" in text
    assert f"{out / 'c=0.8'}: 9 circuits: 8 saved, 1 pending" in text
    assert main(["fetch", str(out), "--retry-failed", "--wait", "--quiet"]) == 0  # every point
    # resubmitted in a new job; per-circuit seeds give the same counts
    assert json.loads((out / "c=0.8" / "counts" / "tomo_YZ.json").read_text())["counts"] == saved
    assert main(["analyze", str(out)]) == 0


def test_sweep_on_a_dask_cluster_gives_the_single_process_counts(tmp_path):
    def plan(c):
        return CollectiveCharging(n=2, beta=1.0, init=f"c:{c}", charging="kraus").plan()

    local = run_sweep("c", [0.3, 0.6], plan, tmp_path / "local", shots=200, seed=3, argv=[], progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        profile = tmp_path / "cluster.toml"
        profile.write_text(f'kind = "aer"\nscheduler = "{cluster.scheduler_address}"\nchunk_size = 3\n')
        dask = run_sweep("c", [0.3, 0.6], plan, tmp_path / "dask", backend=str(profile), shots=200, seed=3,
                         argv=[], progress=False)
    for a, b in zip(local["results"], dask["results"]):
        assert a["estimates"] == b["estimates"]
    for point in ("c=0.3", "c=0.6"):
        counts = [json.loads(p.read_text())["counts"] for p in sorted((tmp_path / "local" / point / "counts").iterdir())]
        assert counts == [json.loads(p.read_text())["counts"]
                          for p in sorted((tmp_path / "dask" / point / "counts").iterdir())]


def test_sweep_figure_joins_the_exact_values_in_the_order_of_the_swept_value():
    """--sweep c=1,0,0.5: the exact line joined the points in the order typed (a triangle)."""
    from qbexp.experiments.report import sweep_figure

    values = [1.0, 0.0, 0.5]
    exact = {1.0: 0.09, 0.0: 1.0, 0.5: 0.17}
    results = [{"estimates": {"ergotropy": {"value": exact[c], "ci95": [exact[c] - 0.01, exact[c] + 0.01]}},
                "exact": {"ergotropy": exact[c]}} for c in values]
    fig = sweep_figure("c", values, results)
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "exact"]
    assert list(line.get_xdata()) == [0.0, 0.5, 1.0]
    assert list(line.get_ydata()) == [1.0, 0.17, 0.09]
