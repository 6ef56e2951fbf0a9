"""The one-time token of this launch, from the file the server wrote for it (PROTOCOL.md §1).

The server puts the token in a file only its user can read (mode 600, in the session's work
directory) and names the file in SPARKPORT_TOKEN_FILE. The driver reads it and deletes it before
Spark or any user code starts, so the secret is in no environment (/proc/<pid>/environ keeps a
process's initial environment for its whole life) and in no file once the driver runs.
"""

from __future__ import annotations

import os
from typing import MutableMapping


def read_small_file(path: str, limit: int) -> bytes:
    """At most `limit` bytes of a file in the work directory, which session code can write to:
    O_NOFOLLOW, so a link put in the file's place is not followed to some other file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


class TokenError(Exception):
    """No usable token: the driver cannot say hello."""


def take_token(environ: MutableMapping[str, str] = os.environ) -> str:
    path = environ.pop("SPARKPORT_TOKEN_FILE", None)
    if not path:
        raise TokenError("SPARKPORT_TOKEN_FILE is not set")
    try:
        data = read_small_file(path, 4096)
    except OSError as e:
        raise TokenError(f"cannot read the token file: {e.strerror}") from None
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    token = data.decode("ascii", "replace").strip()
    if not token:
        raise TokenError("the token file is empty")
    return token
