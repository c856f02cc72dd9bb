"""Write a file so that it is either the old one or the whole new one, never half of it."""
from __future__ import annotations

import os
import tempfile

from twin.errors import UsageError


def write_atomic(path: str, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, rename it over.

    A crash or kill at any moment leaves ``path`` as it was before or complete after.
    """
    directory = os.path.dirname(os.path.abspath(path))
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                        dir=directory)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        if os.path.exists(path):
            os.chmod(temp, os.stat(path).st_mode & 0o777)
        else:  # mkstemp makes 0600; a new file gets the usual 0666 less the umask
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
