"""The one exception type qbexp raises for bad input.

The command line turns a :class:`QbexpError` into a single line on stderr and a
non-zero exit status; library users can catch it like any ``ValueError``.
"""


class QbexpError(ValueError):
    """Bad input: unphysical parameters, wrong shapes, corrupt files, unknown names."""
