"""`sitegen build`: a strict MkDocs build written beside site/ and swapped in only on success.

The swap is one atomic exchange of the two folders where the kernel offers it; dotfiles
already in site/ are carried over (as `mkdocs build` keeps them); site/ gets the
permissions of the umask; an interrupted build leaves neither processes nor its staging
folder (one killed outright leaves the folder, which the next build removes)."""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from jinja2 import TemplateSyntaxError

from sitegen.config import ConfigError, errors_of, load_config
from sitegen.messages import t
from sitegen.write import umask

# written into every site sitegen builds: the only non-empty folder a build may replace
MARKER = ".sitegen-output"
MARKER_TEXT = "This folder was written by sitegen; the next build replaces it.\n"
_STAGING = re.compile(r"^\.(?P<name>.+?)-(?:building|old)-(?:(?P<pid>\d+)-)?")


def atomic_build(config_file: Path, *, strict: bool = True) -> int:
    from mkdocs import config as mkdocs_config
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, BuildError, ConfigurationError, PluginError

    from sitegen.cache import renote
    from sitegen.state import cache_folder

    warned: list = []  # what MkDocs warns of in mkdocs.yml (an unknown option): a strict build stops on it
    try:
        site = load_config(config_file, warned)  # as validate reads it: MkDocs' loader, one-line messages
    except ConfigError as exc:  # MkDocs refuses a site_dir holding docs_dir too: a failed build, site/ kept
        for error in errors_of(exc):  # every bad option, one a line, as validate says them
            print(t("cli.config_error", reason=error), file=sys.stderr)
        print(t("cli.build_failed"), file=sys.stderr)
        return 1
    if strict and warned:  # said at their lines, as validate says them (MkDocs names no line)
        for problem in warned:
            print(problem, file=sys.stderr)
        print(t("cli.build_failed"), file=sys.stderr)
        return 1
    site_dir = site.site_dir.absolute()
    unsafe = _unsafe_site_dir(site_dir.resolve(), site.docs_dir.resolve(), config_file.resolve().parent) or site_dir_refusal(site_dir)
    if unsafe:
        print(unsafe, file=sys.stderr)
        print(t("cli.build_failed"), file=sys.stderr)
        return 1
    try:
        staging = stage(site_dir)
    except OSError as exc:
        print(t("build.cannot_write", path=getattr(exc, "filename2", None) or exc.filename or site_dir.parent, reason=exc.strerror or exc), file=sys.stderr)
        print(t("cli.build_failed"), file=sys.stderr)
        return 1
    logging.basicConfig(format="%(levelname)-7s -  %(message)s", level=logging.INFO)
    previous = {sig: signal.signal(sig, _interrupted) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        try:
            cfg = mkdocs_config.load_config(str(config_file), site_dir=str(staging), strict=strict)
            cfg.plugins.on_startup(command="build", dirty=False)
            try:
                build(cfg)
            finally:
                cfg.plugins.on_shutdown()
            finish(staging, site_dir)
            renote(cache_folder(cfg) / "build")  # the old site's links gone, the cache's files as the next build finds them
        except (Abort, BuildError, ConfigurationError, PluginError, ConfigError, SystemExit) as exc:
            if str(exc) and not (type(exc) is SystemExit and isinstance(exc.code, int)):
                print(exc, file=sys.stderr)
            return _failed(staging)
        except TemplateSyntaxError as exc:  # a theme template: located, no traceback
            print(f"{exc.filename or exc.name}:{exc.lineno}:1: error: {exc.message}", file=sys.stderr)
            return _failed(staging)
        except OSError as exc:  # a full disk, a read-only folder: named, no traceback
            print(t("build.cannot_write", path=getattr(exc, "filename2", None) or exc.filename or site_dir, reason=exc.strerror or exc), file=sys.stderr)
            return _failed(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(t("cli.build_done", path=site_dir), file=sys.stderr)
    return 0


def stage(site_dir: Path) -> Path:
    """A new staging folder beside site_dir for a build to write, swapped in by finish() once
    it has succeeded (those of killed builds removed first)."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(site_dir)
    return Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-building-{os.getpid()}-", dir=site_dir.parent))


def staged(site_dir: Path) -> bool:
    """Whether site_dir is a staging folder of this process's (stage()): `sitegen build`'s."""
    match = _STAGING.match(site_dir.name)
    return match is not None and match["pid"] == str(os.getpid())


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt(signum)  # unwinds the build: workers stopped, staging removed


def _failed(staging: Path) -> int:
    shutil.rmtree(staging, ignore_errors=True)
    print(t("cli.build_failed"), file=sys.stderr)
    return 1


def _unsafe_site_dir(site_dir: Path, docs_dir: Path, root: Path) -> str | None:
    """Why site_dir cannot be replaced wholesale, if it cannot: the swap deletes the old
    site_dir, so it must hold neither content/ nor the site's configuration."""
    if site_dir == docs_dir or docs_dir.is_relative_to(site_dir) or site_dir.is_relative_to(docs_dir):
        return t("build.site_dir_overlaps", site_dir=site_dir, docs_dir=docs_dir)
    if root.is_relative_to(site_dir):
        return t("build.site_dir_overlaps", site_dir=site_dir, docs_dir=root)
    return None


def site_dir_refusal(site_dir: Path) -> str | None:
    """Why a build may not replace site_dir, if it may not: only an absent or empty folder,
    one holding dotfiles only (kept), or one a build wrote (its marker) is replaced."""
    if not os.path.lexists(site_dir):
        return None
    if site_dir.is_symlink() or not site_dir.is_dir():
        return t("build.site_dir_not_folder", site_dir=site_dir)
    try:
        names = [p.name for p in site_dir.iterdir()]
    except OSError as exc:
        return t("build.cannot_write", path=site_dir, reason=exc.strerror or exc)
    if MARKER in names or all(name.startswith(".") for name in names) or _legacy_output(site_dir):
        return None
    return t("build.site_dir_foreign", site_dir=site_dir, marker=MARKER)


def _legacy_output(site_dir: Path) -> bool:
    """A site built by a sitegen from before the marker."""
    return all((site_dir / rel).is_file() for rel in ("data/incident.schema.json", "search/index.json", "feed.xml"))


def clean_stale_staging(site_dir: Path) -> None:
    """Remove staging folders of builds that were killed (their process is gone)."""
    try:
        entries = list(site_dir.parent.iterdir())
    except OSError:
        return
    for path in entries:
        match = _STAGING.match(path.name)
        if not match or match["name"] != site_dir.name or not path.is_dir() or path.is_symlink():
            continue
        pid = int(match["pid"] or 0)  # none: a folder left by a sitegen from before the pid
        if pid and pid != os.getpid() and _alive(pid):
            continue  # another build at work
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def finish(staging: Path, site_dir: Path) -> None:
    """Give staging the umask's permissions and site_dir's dotfiles, then swap it in."""
    os.chmod(staging, 0o777 & ~umask())  # mkdtemp made it 0700
    if site_dir.is_dir() and not site_dir.is_symlink():
        for old in site_dir.iterdir():
            if old.name.startswith(".") and old.name != MARKER and not os.path.lexists(staging / old.name):
                _copy(old, staging / old.name)
    _swap(staging, site_dir)


def _copy(source: Path, dest: Path) -> None:
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, dest, symlinks=True)
    else:
        shutil.copy2(source, dest, follow_symlinks=False)


def _swap(staging: Path, site_dir: Path) -> None:
    """Replace site_dir by staging: one atomic exchange where the kernel has it (readers, and
    a build killed here, see the old site or the new one, never none); else two renames."""
    if os.path.lexists(site_dir) and _exchange(staging, site_dir):
        shutil.rmtree(staging, ignore_errors=True)  # now the old site
        return
    old = None
    if os.path.lexists(site_dir):
        old = site_dir.with_name(staging.name.replace("-building-", "-old-", 1))
        site_dir.rename(old)
    staging.rename(site_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): True if the two paths were swapped atomically."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # not offered by this kernel or file system: two renames instead
    raise OSError(code, os.strerror(code), str(b))
