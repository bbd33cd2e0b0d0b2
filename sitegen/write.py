"""Worker processes (the reader's pool): they die with the build that started them.

Every output of a build goes through MkDocs (sitegen.pipeline hands it over as generated
files); nothing here writes into site/."""

from __future__ import annotations

import ctypes
import os
import signal
import sys


def umask() -> int:
    """The process's umask, read without setting it (os.umask sets one to read it: a file a
    thread makes meanwhile would get that one)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def die_with_parent(parent: int) -> None:
    """In a worker process: be killed when the build that started it dies, even by kill -9
    (else it would wait forever, adopted by init), and quietly when the build stops it."""
    for sig in (signal.SIGTERM, signal.SIGINT):  # stopped by the build: no traceback
        signal.signal(sig, signal.SIG_DFL)
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1
