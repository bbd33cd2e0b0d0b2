"""`sitegen build`: a strict MkDocs build written beside site/ and swapped in only on success."""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from pathlib import Path

from jinja2 import TemplateSyntaxError

from sitegen.config import load_config
from sitegen.messages import t


def atomic_build(config_file: Path, *, strict: bool = True) -> int:
    from mkdocs import config as mkdocs_config
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, BuildError, ConfigurationError, PluginError

    site = load_config(config_file)
    site_dir = site.site_dir.resolve()
    unsafe = _unsafe_site_dir(site_dir, site.docs_dir.resolve(), config_file.resolve().parent)
    if unsafe:
        print(unsafe, file=sys.stderr)
        print(t("cli.build_failed"), file=sys.stderr)
        return 1
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-building-", dir=site_dir.parent))
    logging.basicConfig(format="%(levelname)-7s -  %(message)s", level=logging.INFO)
    try:
        cfg = mkdocs_config.load_config(str(config_file), site_dir=str(staging), strict=strict)
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            build(cfg)
        finally:
            cfg.plugins.on_shutdown()
    except (Abort, BuildError, ConfigurationError, PluginError, SystemExit) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if str(exc):
            print(exc, file=sys.stderr)
        print(t("cli.build_failed"), file=sys.stderr)
        return 1
    except TemplateSyntaxError as exc:  # a theme template: located, no traceback
        shutil.rmtree(staging, ignore_errors=True)
        print(f"{exc.filename or exc.name}:{exc.lineno}:1: error: {exc.message}", file=sys.stderr)
        print(t("cli.build_failed"), file=sys.stderr)
        return 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, site_dir)
    print(t("cli.build_done", path=site_dir), file=sys.stderr)
    return 0


def _unsafe_site_dir(site_dir: Path, docs_dir: Path, root: Path) -> str | None:
    """Why site_dir cannot be replaced wholesale, if it cannot: the swap deletes the old
    site_dir, so it must hold neither content/ nor the site's configuration."""
    if site_dir == docs_dir or docs_dir.is_relative_to(site_dir) or site_dir.is_relative_to(docs_dir):
        return t("build.site_dir_overlaps", site_dir=site_dir, docs_dir=docs_dir)
    if root.is_relative_to(site_dir):
        return t("build.site_dir_overlaps", site_dir=site_dir, docs_dir=root)
    return None


def _swap(staging: Path, site_dir: Path) -> None:
    """Replace site_dir by staging with two renames: readers never see a half-written site."""
    old = None
    if site_dir.exists():
        old = site_dir.with_name(f".{site_dir.name}-old-{staging.name}")
        site_dir.rename(old)
    staging.rename(site_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
