"""The ``qbexp`` command line."""
