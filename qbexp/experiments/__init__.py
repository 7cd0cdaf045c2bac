"""Protocols that tie the pipeline steps together (model → charge → figures of merit)."""
