"""The one-time token of this launch, from the file the server wrote for it (PROTOCOL.md §1).

The server puts the token in a file only its user can read (mode 600, in the session's work
directory) and names the file in SPARKPORT_TOKEN_FILE. The driver reads it and deletes it before
Spark or any user code starts, so the secret is in no environment (/proc/<pid>/environ keeps a
process's initial environment for its whole life) and in no file once the driver runs.

In cluster deploy mode the driver runs on a machine where no file of the server's exists, and
the cluster manager hands it the token itself in SPARKPORT_TOKEN. It stays in the process's
initial environment, but the driver redeems it before any user code runs and the server
revokes it then, so what can be read there later opens nothing. The driver still removes it
from os.environ, so that no child process (the Spark JVM's Python workers, a subprocess a
statement starts) inherits it.
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
    """The token from SPARKPORT_TOKEN_FILE, else from SPARKPORT_TOKEN; both leave `environ`."""
    path = environ.pop("SPARKPORT_TOKEN_FILE", None)
    inline = environ.pop("SPARKPORT_TOKEN", None)
    if not path:
        if inline is None:
            raise TokenError("SPARKPORT_TOKEN_FILE (or SPARKPORT_TOKEN) is not set")
        token = inline.strip()
        if not token:
            raise TokenError("SPARKPORT_TOKEN is empty")
        return token
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
