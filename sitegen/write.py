"""Write stage for the data files: downloads and map data are written into site/ by a
second process while MkDocs renders the pages, so the two halves of a build share the
machine's cores. Where processes cannot be forked, the files are written in place."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import shutil
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from sitegen.messages import t


def write_files(files: dict[str, bytes | Path], site_dir: Path) -> None:
    """Bytes are written; a Path (a cache entry) is copied."""
    root = site_dir.resolve()
    for uri, data in files.items():
        path = (root / uri).resolve()
        if not path.is_relative_to(root):  # never outside site/
            raise ValueError(f"refusing to write {uri} outside {root}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Path):  # copied by the kernel, not through Python; never linked,
            shutil.copyfile(data, path)  # so a site file edited in place cannot spoil the cache
        else:
            path.write_bytes(data)


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


def _child(make: Callable[[], dict[str, bytes | Path]], site_dir: Path, parent: int) -> None:
    die_with_parent(parent)
    try:
        write_files(make(), site_dir)
    except OSError as exc:  # a full disk, a read-only folder: one line, no traceback
        print(t("build.cannot_write", path=getattr(exc, "filename2", None) or exc.filename or site_dir, reason=exc.strerror or exc), file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)
    except BaseException:  # noqa: BLE001 (reported to the parent through the exit code)
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    sys.stderr.flush()
    os._exit(0)


class BackgroundWriter:
    """make() -> {path: bytes}, computed and written under site_dir by a forked process."""

    def __init__(self, make: Callable[[], dict[str, bytes | Path]], site_dir: Path):
        self.process = None
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self.process = context.Process(target=_child, args=(make, site_dir, os.getpid()), daemon=True)
            self.process.start()
        else:
            write_files(make(), site_dir)

    def finish(self) -> None:
        """Wait for the files; RuntimeError if they could not be written."""
        if self.process is None:
            return
        self.process.join()
        code, self.process = self.process.exitcode, None
        if code != 0:
            raise RuntimeError(t("build.data_files_failed", code=code))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.join()
            self.process = None
