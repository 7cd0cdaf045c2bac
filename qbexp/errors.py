"""The one exception type qbexp raises for bad input.

The command line turns a :class:`QbexpError` into a single line on stderr and a
non-zero exit status; library users can catch it like any ``ValueError``.
:func:`shown` is how a message quotes the value it refuses.
"""

from contextlib import contextmanager


class QbexpError(ValueError):
    """Bad input: unphysical parameters, wrong shapes, corrupt files, unknown names."""


class IncompleteRun(QbexpError):
    """A run or sweep whose counts are not all in (jobs pending, failed or lost): nothing is
    wrong with the input; ``qbexp status`` / ``qbexp fetch`` (``--retry-failed``) carry on.
    The command line reports it in one line with exit status 1."""


class InitialStateError(QbexpError):
    """A refused initial state (its spec, its file or its matrix): a command names the option
    that gave it (``qbexp simulate collective``: ``--init``)."""


@contextmanager
def initial_state_errors():
    """Every :class:`QbexpError` raised inside becomes an :class:`InitialStateError`, same message."""
    try:
        yield
    except InitialStateError:
        raise
    except QbexpError as err:
        raise InitialStateError(str(err)) from None


def shown(value, keep: int = 60) -> str:
    """``repr(value)`` for a one-line message: on one line (a NumPy array's rows joined), cut
    after ``keep`` characters; a value holding an int too long for ``repr`` (10**5000) is named."""
    try:
        text = repr(value)
    except ValueError:  # an int of more digits than Python prints, or a container holding one
        if isinstance(value, int):
            return f"<an integer of {value.bit_length()} bits>"
        return f"<{type(value).__name__} holding an integer too long to print>"
    text = " ".join(line.strip() for line in text.splitlines())
    return text if len(text) <= keep else text[:keep] + "…"
