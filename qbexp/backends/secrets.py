"""Credentials kept out of every text qbexp prints, logs or writes (job records, errors).

qbexp never writes, prints or logs an IBM token.  Messages from the runtime client, a
sampler or a backend object can quote one (an API key in an HTTP error, the token an
account file held); :func:`redact` removes the environment's token (``QISKIT_IBM_TOKEN``),
the tokens of the accounts qiskit-ibm-runtime saved (``~/.qiskit/qiskit-ibm.json``: a
connection that fails before a service exists quotes the token it read there), any secrets
the caller knows (a connected service's) and anything shaped like a token.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

#: anything this long in these characters is taken for a token
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-]{40,}")
#: secrets shorter than this (no IBM token or API key is) are redacted only as whole words
WHOLE_WORD_BELOW = 8


def saved_account_tokens() -> list[str]:
    """The tokens of the accounts saved by ``QiskitRuntimeService.save_account`` (read, never
    written; none where there is no home folder or the file does not read as accounts)."""
    try:
        data = json.loads((Path.home() / ".qiskit" / "qiskit-ibm.json").read_text())
    except Exception:  # no home folder, no file, not JSON: no saved token to hide
        return []
    if not isinstance(data, dict):
        return []
    return [a["token"] for a in data.values() if isinstance(a, dict) and isinstance(a.get("token"), str)]


def redact(text: str, secrets=()) -> str:
    """``text`` without the environment's token, the saved accounts' tokens, the given secrets or
    anything shaped like a token."""
    for secret in (*secrets, os.environ.get("QISKIT_IBM_TOKEN"), *saved_account_tokens()):
        secret = (secret or "").strip() if isinstance(secret, str) else ""
        if len(secret) >= WHOLE_WORD_BELOW:
            text = text.replace(secret, "[redacted]")
        elif secret:  # no real token: replaced where it stands alone, not inside every word ("e")
            text = re.sub(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", "[redacted]", text)
    return TOKEN_LIKE.sub("[redacted]", text)
