"""``qbexp simulate collective``: output formats, saved states, initial-state files, errors.

Reference values come from the paper's closed forms (Çakmak, "Ergotropy from
coherences", Eqs. 8, 9, 11) evaluated here, and, for ``--t``, from a small
independent Lindblad generator (Eqs. 5-7, collective coupling) exponentiated with
scipy.linalg.expm.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg as sla

from qbexp.cli.main import main

PSI_MINUS = np.array([0, 1, -1, 0], dtype=complex) / np.sqrt(2)
PSI_PLUS = np.array([0, 1, 1, 0], dtype=complex) / np.sqrt(2)
FIGURE_KEYS = ("ergotropy", "energy", "passive_energy", "coherence_l1", "coherence_rel_entropy", "purity")


def run_cli(capsys, *args):
    code = main(["simulate", "collective", *args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("qbexp: error:"), err
    assert "Traceback" not in err


# ----------------------------------------------------------------------------
# references
# ----------------------------------------------------------------------------
def eq8_state(beta, c):
    x = np.exp(-beta)
    zp = 1 + x + x * x
    rho = (1 - c) * np.outer(PSI_MINUS, PSI_MINUS.conj())
    rho += c / zp * (x * x * np.diag([0, 0, 0, 1]) + x * np.outer(PSI_PLUS, PSI_PLUS.conj()) + np.diag([1, 0, 0, 0]))
    return rho


def entropy_bits(p):
    p = np.asarray(p)
    p = p[p > 1e-15]
    return float(-np.sum(p * np.log2(p)))


def reference_figures_c_family(beta, c):
    """Eq. 11 (c < 1/2), Eq. 9, and the energy/purity/entropies of the Eq. 8 state."""
    x = np.exp(-beta)
    zp = 1 + x + x * x
    w = 1 - c * (1 + 3 * np.cosh(beta) + np.sinh(beta)) / (1 + 2 * np.cosh(beta))
    energy = (1 - c) + c * (x + 2 * x * x) / zp
    spectrum = np.array([1 - c, c / zp, c * x / zp, c * x * x / zp])
    rho = eq8_state(beta, c)
    z = rho[1, 2]  # X state: concurrence 2 max(0, |ρ_{01,10}| - sqrt(ρ_00 ρ_11))
    return {
        "ergotropy": w,
        "energy": energy,
        "passive_energy": energy - w,
        "coherence_l1": abs(-1 + c + c / (1 + 2 * np.cosh(beta))),
        "coherence_rel_entropy": entropy_bits(np.diag(rho).real) - entropy_bits(spectrum),
        "purity": float(np.sum(spectrum**2)),
        "concurrence": max(0.0, 2 * (abs(z) - np.sqrt(rho[0, 0].real * rho[3, 3].real))),
    }


def ref_collective_liouvillian(n, beta):
    d = 2**n
    sm = []
    for i in range(n):
        m = np.zeros((d, d))
        for y in range(d):
            if (y >> i) & 1:
                m[y ^ (1 << i), y] = 1
        sm.append(m)
    J = sum(sm)
    H = sum(s.T @ s for s in sm)
    nbar = 1 / np.expm1(beta)
    eye = np.eye(d)
    L = -1j * (np.kron(eye, H) - np.kron(H.T, eye))
    for rate, a in ((nbar + 1, J), (nbar, J.T)):
        ada = a.T @ a
        L = L + rate * (np.kron(a.conj(), a) - 0.5 * np.kron(eye, ada) - 0.5 * np.kron(ada.T, eye))
    return L


# ----------------------------------------------------------------------------
# output
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("beta, c", [(1.0, 0.25), (0.3, 0.1), (2.0, 0.45)])
def test_json_matches_closed_forms(capsys, beta, c):
    code, out, err = run_cli(capsys, "--n", "2", "--beta", str(beta), "--init", f"c:{c}", "--steady", "--json")
    assert code == 0, err
    data = json.loads(out)
    for key in FIGURE_KEYS + ("concurrence", "discord"):
        assert key in data and isinstance(data[key], float), key
    ref = reference_figures_c_family(beta, c)
    for key, value in ref.items():
        assert data[key] == pytest.approx(value, abs=1e-9), key
    # App. B: 0 <= D <= C_l1
    assert 0 <= data["discord"] <= data["coherence_l1"] + 1e-12
    assert data["n"] == 2 and data["beta"] == beta and data["t"] == "steady"


def test_json_for_three_qubits_has_no_two_qubit_measures(capsys):
    code, out, _ = run_cli(capsys, "--n", "3", "--beta", "0.5", "--steady", "--json")
    assert code == 0
    data = json.loads(out)
    for key in FIGURE_KEYS:
        assert key in data
    assert "concurrence" not in data and "discord" not in data
    r = np.exp(-0.5)  # Eq. 17, N = 3 ground state: W = ω p2 d2 + 2ω p3 d3
    w = ((1 - r) / (1 - r**4)) * (r**2 + 2 * r**3)
    assert data["ergotropy"] == pytest.approx(w, abs=1e-9)


def test_table_output_is_readable(capsys):
    code, out, err = run_cli(capsys, "--n", "2", "--beta", "1", "--init", "c:0.25", "--steady")
    assert code == 0, err
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
    lines = out.splitlines()
    assert lines[0].startswith("collective battery")
    rows = {line.split()[0]: line.split()[-1] for line in lines[2:] if line.strip()}
    for key in FIGURE_KEYS:
        assert key in rows, key
    assert float(rows["ergotropy"]) == pytest.approx(reference_figures_c_family(1.0, 0.25)["ergotropy"], abs=1e-8)


# ----------------------------------------------------------------------------
# saved states, --t, file: initial states
# ----------------------------------------------------------------------------
def test_save_state_writes_the_steady_state(capsys, tmp_path):
    path = tmp_path / "rho.npy"
    code, out, err = run_cli(capsys, "--n", "2", "--beta", "0.7", "--init", "c:0.6", "--steady", "--save-state", str(path), "--json")
    assert code == 0, err
    rho = np.load(path)
    assert rho.shape == (4, 4)
    np.testing.assert_allclose(rho, eq8_state(0.7, 0.6), atol=1e-10)
    assert json.loads(out)["saved_state"] == str(path)


def test_save_state_refuses_to_overwrite(capsys, tmp_path):
    path = tmp_path / "rho.npy"
    sentinel = np.arange(5.0)
    np.save(path, sentinel)
    before = path.read_bytes()
    code, out, err = run_cli(capsys, "--n", "2", "--beta", "1", "--steady", "--save-state", str(path))
    assert_one_line_error(code, err)
    assert "exists" in err
    assert path.read_bytes() == before
    np.testing.assert_array_equal(np.load(path), sentinel)


def test_save_state_needs_npy_suffix(capsys, tmp_path):
    path = tmp_path / "rho.txt"
    code, _, err = run_cli(capsys, "--n", "2", "--beta", "1", "--steady", "--save-state", str(path))
    assert_one_line_error(code, err)
    assert not path.exists()


@pytest.mark.parametrize("t", [0.0, 0.4, 1.5])
def test_t_gives_the_evolved_state(capsys, tmp_path, t):
    n, beta = 2, 0.8
    path = tmp_path / "rho_t.npy"
    code, out, err = run_cli(capsys, "--n", str(n), "--beta", str(beta), "--init", "ground", "--t", str(t), "--save-state", str(path), "--json")
    assert code == 0, err
    rho0 = np.zeros((4, 4), dtype=complex)
    rho0[0, 0] = 1
    expected = (sla.expm(ref_collective_liouvillian(n, beta) * t) @ rho0.reshape(-1, order="F")).reshape(4, 4, order="F")
    np.testing.assert_allclose(np.load(path), expected, atol=1e-8)
    data = json.loads(out)
    assert data["t"] == t
    assert data["energy"] == pytest.approx(float(np.real(expected[1, 1] + expected[2, 2] + 2 * expected[3, 3])), abs=1e-8)


def test_file_initial_state(capsys, tmp_path):
    c, beta = 0.35, 1.1
    psi = np.sqrt(1 - c) * PSI_MINUS + np.sqrt(c) * np.array([0, 0, 0, 1])  # same c, other state
    files = {"vector.npy": psi, "matrix.npy": np.outer(psi, psi.conj())}
    ref = reference_figures_c_family(beta, c)
    for name, data in files.items():
        np.save(tmp_path / name, data)
        out_path = tmp_path / f"ss_{name}"
        code, out, err = run_cli(capsys, "--n", "2", "--beta", str(beta), "--init", f"file:{tmp_path / name}", "--steady", "--json", "--save-state", str(out_path))
        assert code == 0, err
        figures = json.loads(out)
        assert figures["ergotropy"] == pytest.approx(ref["ergotropy"], abs=1e-9), name
        assert figures["coherence_l1"] == pytest.approx(ref["coherence_l1"], abs=1e-9), name
        np.testing.assert_allclose(np.load(out_path), eq8_state(beta, c), atol=1e-10)


# ----------------------------------------------------------------------------
# bad input: exit status 2, one line on stderr, no traceback
# ----------------------------------------------------------------------------
def _bad_files(tmp_path):
    not_psd = np.diag([1.5, -0.5, 0, 0]).astype(complex)
    np.save(tmp_path / "not_psd.npy", not_psd)
    np.save(tmp_path / "trace2.npy", np.eye(4) / 2)
    np.save(tmp_path / "nonherm.npy", np.array([[0.5, 0.3, 0, 0], [0, 0.5, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]))
    three_qubits = np.zeros((8, 8))
    three_qubits[0, 0] = 1
    np.save(tmp_path / "three.npy", three_qubits)
    (tmp_path / "garbage.npy").write_bytes(b"not a numpy file")
    return tmp_path


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--n", "2", "--beta", "0", "--t", "1"], "beta"),  # beta = 0 is the limit: steady states only
        (["--n", "2", "--beta=-1", "--steady"], "beta"),
        (["--n", "2", "--beta", "1", "--omega", "0", "--steady"], "omega"),
        (["--n", "2", "--beta", "1", "--omega=-1", "--steady"], "omega"),
        (["--n", "2", "--beta", "1", "--gamma=-0.5", "--steady"], "gamma"),
        (["--n", "0", "--beta", "1", "--steady"], "N"),
        (["--n=-2", "--beta", "1", "--steady"], "N"),
        (["--n", "2", "--beta", "1", "--init", "c:abc", "--steady"], "c:abc"),
        (["--n", "2", "--beta", "1", "--init", "c:1.5", "--steady"], "c"),
        (["--n", "3", "--beta", "1", "--init", "c:0.5", "--steady"], "N = 2"),
        (["--n", "2", "--beta", "1", "--init", "bogus", "--steady"], "bogus"),
        (["--n", "2", "--beta", "1", "--init", "haar:-1", "--steady"], "seed"),
        (["--n", "2", "--beta", "1", "--t=-1"], "--t"),
        (["--n", "2", "--beta", "1", "--init", "file:{d}/not_psd.npy", "--steady"], "positive semidefinite"),
        (["--n", "2", "--beta", "1", "--init", "file:{d}/trace2.npy", "--steady"], "trace"),
        (["--n", "2", "--beta", "1", "--init", "file:{d}/nonherm.npy", "--steady"], "Hermitian"),
        (["--n", "2", "--beta", "1", "--init", "file:{d}/three.npy", "--steady"], "8 rows"),
        (["--n", "2", "--beta", "1", "--init", "file:{d}/garbage.npy", "--steady"], "could not be read"),
        (["--n", "2", "--beta", "1", "--init", "file:{d}/missing.npy", "--steady"], "does not exist"),
    ],
)
def test_bad_input_is_one_error_line(capsys, tmp_path, args, needle):
    d = _bad_files(tmp_path)
    args = [a.replace("{d}", str(d)) for a in args]
    code, out, err = run_cli(capsys, *args)
    assert_one_line_error(code, err)
    assert needle in err
    assert out == ""


def test_bad_input_in_a_subprocess(tmp_path):
    d = _bad_files(tmp_path)
    for args in (
        ["--n", "2", "--beta=-1", "--steady"],
        ["--n", "2", "--beta", "1", "--init", f"file:{d}/three.npy", "--steady"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "qbexp.cli.main", "simulate", "collective", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("qbexp: error:"), proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stdout == ""
