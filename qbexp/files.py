"""Writing files so that a crash never leaves half of one: shared by every layer that writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file (0o666 less the process's umask).  ``mkstemp`` makes
    its temporary files 0o600, which a rename would keep: a run directory shared with a group
    would then hold a manifest only its writer can read, beside arrays the others can."""
    try:  # Linux: read the umask without changing it (os.umask can only set it)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and an atomic rename."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename: the file is
    either the old one or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
                os.fchmod(handle.fileno(), new_file_mode())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        if err.filename is None:  # a full disk names no file: name the one being written
            raise OSError(err.errno, err.strerror, str(path)) from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_output_file(path: Path) -> None:
    """Before anything is computed or written: ``path`` can take the file qbexp writes there
    (through a temporary file and a rename): nothing, a regular file or a link (the link is
    replaced), in a writable folder; a one-line :class:`~qbexp.errors.QbexpError` naming it otherwise."""
    from qbexp.errors import QbexpError

    path = Path(path)
    if path.exists() and not path.is_file():
        what = "a folder" if path.is_dir() else "not a regular file"
        raise QbexpError(f"{path} is {what}; qbexp writes a file there: move it aside")
    if path.parent.is_dir() and not os.access(path.parent, os.W_OK | os.X_OK):
        raise QbexpError(f"{path} cannot be written: the folder {path.parent} is not writable")


#: longest file name (one path component) and whole path in bytes, where the system does not say
_NAME_MAX, _PATH_MAX = 255, 4096


def check_path(value, name: str, what: str = "directory", hint: str | None = None) -> Path:
    """``value`` as a :class:`~pathlib.Path`, checked before anything is read or written: the one
    definition of a usable path for the command line and the Python API alike.

    Refused with a one-line :class:`~qbexp.errors.QbexpError` naming ``name`` (``--out``, ``DIR``,
    ``out``): anything but a ``str`` or ``os.PathLike`` (``Path(123)`` is a TypeError); an empty
    path (``Path("")`` is ``Path(".")``: it would silently mean the current folder); a NUL byte
    (a ValueError deep inside ``os``); a name the file system cannot encode; a component longer
    than the file system's limit (255 bytes on most) or a whole path longer than ``PATH_MAX``
    (an OSError at the first ``mkdir``).  ``hint`` ends the empty-path message (default: the
    current folder is ``.``, for directories).
    """
    from qbexp.errors import QbexpError

    if isinstance(value, bool) or not isinstance(value, (str, os.PathLike)):
        raise QbexpError(f"{name} = {value!r}: expected a path (a str or pathlib.Path), got {type(value).__name__}")
    try:
        text = os.fspath(value)
    except TypeError as err:  # an os.PathLike whose __fspath__ misbehaves
        raise QbexpError(f"{name} = {value!r}: not a usable path ({err})") from None
    if isinstance(text, bytes):
        raise QbexpError(f"{name} = {value!r}: expected a path as text (a str or pathlib.Path), got bytes")
    if text == "":
        if hint is None:
            hint = " (for the current folder: .)" if what.endswith("directory") else ""
        raise QbexpError(f"{name} '': an empty path; give a {what} name{hint}")
    if "\0" in text:
        raise QbexpError(f"{name} {text!r}: a path cannot contain a NUL byte")
    try:
        encoded = os.fsencode(text)
    except UnicodeError:
        raise QbexpError(f"{name} {text!r}: the file system cannot encode this name") from None
    path = Path(text)
    name_max, path_max = _limits(path)
    if len(encoded) > path_max:
        raise QbexpError(f"{name} {_short(text)}: the path is {len(encoded):,} bytes long; at most {path_max:,}")
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > name_max and part != path.anchor:
            raise QbexpError(f"{name} {_short(text)}: the name {_short(part)} is {size:,} bytes long; "
                             f"a file or folder name has at most {name_max}")
    return path


def _limits(path: Path) -> tuple[int, int]:
    """NAME_MAX and PATH_MAX of the file system that holds ``path`` (its nearest existing folder)."""
    try:
        folder = path if path.is_absolute() else Path.cwd() / path
    except OSError:  # the current folder was removed
        return _NAME_MAX, _PATH_MAX
    for parent in (folder, *folder.parents):
        try:
            if parent.is_dir():
                return (os.pathconf(parent, "PC_NAME_MAX") or _NAME_MAX,
                        os.pathconf(parent, "PC_PATH_MAX") or _PATH_MAX)
        except (OSError, ValueError, AttributeError):  # no pathconf (Windows), or a name too long to stat
            continue
    return _NAME_MAX, _PATH_MAX


def _short(text: str, keep: int = 40) -> str:
    """``text`` quoted, its middle cut when long (a 300-character name in a one-line message)."""
    return repr(text) if len(text) <= keep else repr(text[:keep // 2] + "…" + text[-keep // 2:])
