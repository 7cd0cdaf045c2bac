"""Kraus sets and dense unitaries kept beside a QPY file, once each (``NAME.channels.npz``),
with a placeholder instruction in the QPY file naming each by its SHA-256: QPY would write the
same arrays into every circuit.  :meth:`qbexp.backends.store.RunStore.save_circuits` stashes
them, loading restores them and checks each against its SHA-256.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from qbexp.backends.records import first_line
from qbexp.errors import QbexpError


#: A Kraus instruction is stored in NAME.qpy as this placeholder, its one parameter the SHA-256
#: of its Kraus set, which NAME.channels.npz holds once: QPY would write the whole set into every
#: circuit, and the 3^N tomography circuits all carry the same charging channel (225 MB per
#: file at N = 5).  Files written before (Kraus sets inside the QPY file) load as they are.
KRAUS_PLACEHOLDER = "qbexp_kraus"
#: The same for a dense unitary (``UnitaryGate``): collision charging from N = 4 holds one
#: (N + 1)-qubit unitary per collision step, the same matrix in every step of all 3^N circuits
#: (N = 5: 76 matrices of 64 x 64 in each of 243 circuits, 1.2 GB per QPY file and 2.4 GB per
#: run, 9.0 GB peak memory; now one matrix, ~65 kB, beside each file, and 5.1 GB peak).
UNITARY_PLACEHOLDER = "qbexp_unitary"
#: ... for unitaries on at least this many qubits (4 kB and more); smaller ones, such as the
#: 2-qubit rotations of collision charging at N = 2 and 3, stay inside the QPY file.
STASHED_UNITARY_QUBITS = 4
#: placeholder -> (name of the instruction it stands for, what the archive holds for it)
_PLACEHOLDERS = {KRAUS_PLACEHOLDER: ("kraus", "Kraus set"), UNITARY_PLACEHOLDER: ("unitary", "unitary")}


def channels_path(qpy_path: Path) -> Path:
    """``NAME.channels.npz``, the Kraus sets and dense unitaries of ``NAME.qpy``."""
    return qpy_path.with_suffix(".channels.npz")


def _array_digest(ops) -> str:
    """SHA-256 of a Kraus set (complex r x d x d) or a unitary (d x d): of its shape and bytes,
    not of an .npy file, whose header numpy versions may write differently."""
    return hashlib.sha256(repr(ops.shape).encode() + ops.tobytes()).hexdigest()


def stash_arrays(circuits) -> tuple[list, dict]:
    """``circuits`` with each Kraus instruction and each dense unitary replaced by its
    placeholder (new circuits; the originals are untouched), and the distinct arrays: SHA-256 ->
    r x d x d Kraus set or d x d unitary."""
    out, sets, seen = [], {}, {}
    for qc in circuits:
        sites = {k for k, inst in enumerate(qc.data) if inst.operation.name == "kraus"
                 or inst.operation.name == "unitary" and inst.operation.num_qubits >= STASHED_UNITARY_QUBITS}
        if not sites:
            out.append(qc)
            continue
        # built anew, not qc.copy(): a copy would hold every dense matrix once more (1.2 GB at N = 5)
        stashed = qc.copy_empty_like()
        for k, inst in enumerate(qc.data):
            stashed._append(inst.replace(operation=_placeholder(inst.operation, sets, seen)) if k in sites else inst)
        out.append(stashed)
    return out, sets


def _placeholder(op, sets: dict, seen: dict):
    """The placeholder of the Kraus instruction or dense unitary ``op``, its array put in ``sets``
    under its SHA-256; ``op`` itself where it is not one as Qiskit makes them (kept inside)."""
    import numpy as np
    from qiskit.circuit import Instruction

    d = 2**op.num_qubits
    if op.name == "unitary":  # (its matrix is a new array at every access on Qiskit 2: hashed each time)
        matrix = np.asarray(op.params[0], dtype=complex) if len(op.params) == 1 else None
        if op.num_clbits or matrix is None or matrix.shape != (d, d):
            return op
        digest = _array_digest(matrix)
        sets[digest] = matrix
        key = (UNITARY_PLACEHOLDER, op.num_qubits, digest, op.label)
        if key not in seen:
            seen[key] = (None, Instruction(UNITARY_PLACEHOLDER, op.num_qubits, 0, [digest], label=op.label))
        return seen[key][1]
    key = (op.label, *map(id, op.params))  # a plan shares one set among its circuits: hash it once
    if key not in seen:
        ops = np.asarray(op.params, dtype=complex)
        if op.num_clbits or ops.ndim != 3 or ops.shape[1:] != (d, d):
            seen[key] = (op.params, op)  # not a Kraus set as Kraus.to_instruction makes it: kept inside
        else:
            digest = _array_digest(ops)
            sets[digest] = ops
            # op.params kept referenced: the ids in key then name these arrays for good
            seen[key] = (op.params, Instruction(KRAUS_PLACEHOLDER, op.num_qubits, 0, [digest], label=op.label))
    return seen[key][1]


def restore_arrays(circuits, path: Path, qpy_name: str, replace: bool = True) -> list:
    """``circuits`` (as loaded from ``qpy_name``) with each placeholder replaced, in place, by the
    Kraus instruction or unitary gate of its array in ``path`` (one instruction per array,
    shared): a missing or corrupt file or array is a one-line error naming the file.  With
    ``replace`` False every array is checked and none put in (the read-back of a file just
    written: at N = 5 the circuits with their unitaries in take 1.2 GB)."""
    import numpy as np
    from qiskit.circuit import Instruction
    from qiskit.circuit.library import UnitaryGate

    sites = [(qc, k) for qc in circuits for k, inst in enumerate(qc.data) if inst.operation.name in _PLACEHOLDERS]
    if not sites:
        return circuits  # no Kraus instruction or dense unitary, or a file written with them inside
    if not path.is_file():
        what = "missing" if not path.exists() else "not a regular file"
        held = sorted({_PLACEHOLDERS[qc.data[k].operation.name][1] for qc, k in sites})
        held = " and ".join("Kraus operators" if h == "Kraus set" else "dense unitaries" for h in held)
        raise QbexpError(f"{path} is {what}; it holds the {held} of {qpy_name}")
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as err:  # a damaged zip raises many types
        raise QbexpError(f"{path} is corrupt ({type(err).__name__}: {first_line(err)})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise QbexpError(f"{path} is corrupt: not an .npz archive")
    made = {}
    with archive:
        for qc, k in sites:
            inst = qc.data[k]
            op = inst.operation
            _, what = _PLACEHOLDERS[op.name]
            digest = op.params[0] if len(op.params) == 1 else None
            key = (op.name, op.num_qubits, digest, op.label)
            if key not in made:
                if not isinstance(digest, str) or digest not in archive.files:
                    raise QbexpError(f"{path} is corrupt: it lacks the {what} {str(digest)[:12]}... "
                                     f"that {qpy_name} refers to")
                try:
                    ops = archive[digest]
                except Exception as err:
                    raise QbexpError(f"{path} is corrupt ({type(err).__name__}: {first_line(err)})") from None
                d = 2**op.num_qubits
                if what == "unitary":
                    if ops.dtype != complex or ops.shape != (d, d):
                        raise QbexpError(f"{path} is corrupt: unitary {digest[:12]}... is {ops.dtype} of shape "
                                         f"{ops.shape}; expected complex, {d} x {d} for {op.num_qubits} qubit(s)")
                elif ops.dtype != complex or ops.ndim != 3 or ops.shape[1:] != (d, d) or len(ops) == 0:
                    raise QbexpError(f"{path} is corrupt: Kraus set {digest[:12]}... is {ops.dtype} of shape "
                                     f"{ops.shape}; expected complex, r x {d} x {d} for {op.num_qubits} qubit(s)")
                if _array_digest(ops) != digest:
                    raise QbexpError(f"{path} is corrupt: {what} {digest[:12]}... does not match its SHA-256 "
                                     "(edited?)")
                if not replace:
                    made[key] = None
                elif what == "unitary":  # checked: the SHA-256 is that of the matrix written, a UnitaryGate's
                    made[key] = UnitaryGate(ops, label=op.label, check_input=False)
                else:  # the instruction Kraus.to_instruction makes, as QPY used to load it
                    made[key] = Instruction("kraus", op.num_qubits, 0, list(ops), label=op.label)
            if replace:
                qc.data[k] = inst.replace(operation=made[key])
    return circuits
