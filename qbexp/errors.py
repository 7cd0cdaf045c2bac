"""The one exception type qbexp raises for bad input.

The command line turns a :class:`QbexpError` into a single line on stderr and a
non-zero exit status; library users can catch it like any ``ValueError``.
"""


class QbexpError(ValueError):
    """Bad input: unphysical parameters, wrong shapes, corrupt files, unknown names."""


class IncompleteRun(QbexpError):
    """A run or sweep whose counts are not all in (jobs pending, failed or lost): nothing is
    wrong with the input; ``qbexp status`` / ``qbexp fetch`` (``--retry-failed``) carry on.
    The command line reports it in one line with exit status 1."""
