"""The `sitegen` command: validate, new, init, build, serve, import."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sitegen import scaffold
from sitegen.config import ConfigError, SiteConfig, config_problem, errors_of, load_config
from sitegen.messages import CATALOGUE, t, translate
from sitegen.model import SLUG_RE, IsoWeek, Problem, Severity


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except ConfigError as exc:
        for error in errors_of(exc):  # every bad option, one a line
            print(t("cli.config_error", reason=error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # a folder that cannot be read or written: no traceback for an editor
        if os.environ.get("SITEGEN_DEBUG"):
            raise
        print(t("cli.os_error", path=exc.filename or args.command, reason=exc.strerror or exc), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug of ours: said in a line, the traceback only on request
        if os.environ.get("SITEGEN_DEBUG"):
            raise
        print(t("cli.internal_error", error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 70  # EX_SOFTWARE


# argparse's own words (its usage line, its help's headings, its errors) by their English
# text, which argparse looks up through the module's `_` (gettext's by default, which finds
# no catalogue of ours): sitegen's catalogue's, in the command line's language
_ARGPARSE = {translate("en", key): key for key in CATALOGUE["en"] if key.startswith("argparse.")}


def _argparse_words(text: str) -> str:
    return t(key) if (key := _ARGPARSE.get(text)) is not None else text


def _parser() -> argparse.ArgumentParser:
    argparse._ = _argparse_words  # noqa: SLF001 (argparse's documented hook is gettext's domain, which is no catalogue of ours)
    parser = argparse.ArgumentParser(prog="sitegen", description=t("cli.description"))
    parser.add_argument("-f", "--config-file", default="mkdocs.yml", help=t("cli.help.config"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help=t("cli.help.validate"))
    p.add_argument("--strict", action="store_true", help=t("cli.help.strict"))
    p.add_argument("--translations", action="store_true", help=t("cli.help.translations"))
    p.set_defaults(run=_validate)

    p = sub.add_parser("new", help=t("cli.help.new"))
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    q = kinds.add_parser("incident", help=t("cli.help.new_incident"))
    q.add_argument("--date", type=_day, default=None, help=t("cli.help.date"))
    q.add_argument("--id", default=None, help=t("cli.help.id"))
    q.set_defaults(run=_new_incident)
    q = kinds.add_parser("brief", help=t("cli.help.new_brief"))
    q.add_argument("week", metavar=t("cli.week"), help="2023-W40")
    q.set_defaults(run=_new_brief)

    p = sub.add_parser("init", help=t("cli.help.init"))
    p.add_argument("directory")
    p.set_defaults(run=_init)

    p = sub.add_parser("build", help=t("cli.help.build"))
    p.add_argument("--no-strict", action="store_true", help=t("cli.help.no_strict"))
    p.set_defaults(run=_build)

    p = sub.add_parser("serve", help=t("cli.help.serve"))
    p.add_argument("-a", "--dev-addr", default="127.0.0.1:8000", help=t("cli.help.dev_addr"))
    p.set_defaults(run=_serve)

    p = sub.add_parser("import", help=t("cli.help.import"))
    p.add_argument("format", choices=["acled", "ucdp"])
    p.add_argument("file", type=Path)
    p.set_defaults(run=_import)

    p = sub.add_parser("places", help=t("cli.help.places"))
    p.add_argument("action", choices=["suggest"])
    p.set_defaults(run=_places)
    return parser


def _day(text: str) -> dt.date:
    """--date: an ISO date; argparse says the message with the command's usage."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(t("cli.bad_day", value=text)) from None


def _config(args: argparse.Namespace, problems: list[Problem] | None = None) -> SiteConfig:
    path = Path(args.config_file)
    if not path.exists():
        raise ConfigError(t("cli.no_config", path=path))
    return load_config(path, problems)


def _report(problems: Sequence[Problem], strict: bool) -> int:
    for problem in problems:
        severity = Severity.ERROR if strict else problem.severity
        print(Problem(problem.path, problem.line, problem.col, severity, problem.message))
    errors = sum(1 for p in problems if strict or p.severity is Severity.ERROR)
    warnings = len(problems) - errors
    files = len({p.path for p in problems})
    print(t("cli.summary", errors=errors, warnings=warnings, files=files))
    return 1 if errors else 0


def _validate(args: argparse.Namespace) -> int:
    from sitegen.check import check_content, check_page_translations, check_translations

    problems: list[Problem] = []  # mkdocs.yml's, which MkDocs only warns of
    try:
        config = _config(args, problems)
    except ConfigError as exc:  # said as every problem is, then the content checked with defaults for the bad options
        problems.extend(config_problem(error, Path(args.config_file)) for error in errors_of(exc))
        problems.sort(key=lambda p: (p.path, p.line, p.col))
        if exc.fallback is None:  # the options do not allow reading the content (MkDocs refused its own)
            return _report(problems, args.strict)
        config = exc.fallback
    root = Path(args.config_file).resolve().parent
    content = check_content(config, root=root, cache_dir=root / ".cache" / "sitegen")
    content.problems[:0] = problems
    if args.translations:
        content.problems.extend(check_translations(content, config.languages))
        content.problems.extend(check_page_translations(config, root))
        content.problems.sort(key=lambda p: (p.path, p.line, p.col))
    print(t("cli.checked", incidents=len(content.incidents), briefs=len(content.briefs)), file=sys.stderr)
    return _report(content.problems, args.strict)


def _new_incident(args: argparse.Namespace) -> int:
    from sitegen.read.schema import FIRST_YEAR, LAST_YEAR, page_id

    config = _config(args)
    day = args.date or dt.date.today()
    if args.id is not None and not SLUG_RE.match(args.id):  # also keeps the file inside incidents/
        print(t("cli.bad_id", value=args.id), file=sys.stderr)
        return 2
    if args.id is not None and page_id(args.id):  # validate would refuse it
        print(t("incident.page_id", id=args.id, suggestion=f"incident-{args.id}"), file=sys.stderr)
        return 2
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        print(t("cli.bad_date", value=day.isoformat(), first=FIRST_YEAR, last=LAST_YEAR), file=sys.stderr)
        return 2
    try:
        path = scaffold.new_incident(config, day=day, incident_id=args.id)
    except scaffold.IdTaken as exc:  # validate would refuse the second one
        found = exc.path.relative_to(Path.cwd()) if exc.path.is_relative_to(Path.cwd()) else exc.path
        print(t("cli.id_taken", id=exc.incident_id, where=f"{found}:{exc.line}", suggestion=exc.suggestion), file=sys.stderr)
        return 1
    print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    return 0


def _new_brief(args: argparse.Namespace) -> int:
    from sitegen.read.schema import FIRST_YEAR, LAST_YEAR

    config = _config(args)
    try:
        week = IsoWeek.parse(args.week)
        if not FIRST_YEAR <= week.year <= LAST_YEAR:  # as validate reads a brief's week
            raise ValueError(t("week.out_of_range", first=FIRST_YEAR, last=LAST_YEAR))
    except ValueError as exc:
        print(t("cli.bad_week", value=args.week, reason=exc), file=sys.stderr)
        return 2
    try:
        path = scaffold.new_brief(config, week)
    except FileExistsError as exc:
        key = "cli.week_written" if exc.strerror == "week" else "cli.exists"
        found = Path(exc.filename)
        print(t(key, path=found.relative_to(Path.cwd()) if found.is_relative_to(Path.cwd()) else found, week=week), file=sys.stderr)
        return 1
    print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    return 0


def _init(args: argparse.Namespace) -> int:
    target = Path(args.directory)
    try:
        scaffold.init_site(target)
    except FileExistsError as exc:
        print(t("cli.init_not_empty", path=exc.filename), file=sys.stderr)
        return 1
    except OSError as exc:
        print(t("cli.init_failed", path=target, reason=exc.strerror or exc), file=sys.stderr)
        return 1
    print(t("cli.init_done", path=target))
    return 0


def _build(args: argparse.Namespace) -> int:
    from sitegen.build import atomic_build

    return atomic_build(Path(args.config_file), strict=not args.no_strict)


def _serve(args: argparse.Namespace) -> int:
    from mkdocs.commands import serve
    from mkdocs.exceptions import MkDocsException

    from sitegen.preview import site_folder_beside_cache

    os.environ.setdefault("SITEGEN_SERVE", "1")
    # watch_theme: a save in overrides/ (or in the theme itself, in sitegen's repository) rebuilds too;
    # "dirty": each rebuild writes into the folder the last one left, only what changed (the
    # plugin's session removes what a rebuild no longer writes)
    with site_folder_beside_cache(args.config_file):  # the cache's files linked into it, not copied
        try:
            serve.serve(config_file=args.config_file, dev_addr=args.dev_addr, livereload=True, watch_theme=True, build_type="dirty")
        except (OSError, OverflowError) as exc:  # the address is taken, or not one to serve on
            reason = str(getattr(exc, "strerror", None) or exc).rstrip(".")
            print(t("cli.serve_failed", address=args.dev_addr, reason=reason), file=sys.stderr)
            return 1
        except MkDocsException as exc:  # a bad mkdocs.yml (or -a): MkDocs has logged why
            print(exc, file=sys.stderr)
            return 1
    return 0


def _import(args: argparse.Namespace) -> int:
    from sitegen import importers

    config = _config(args)
    return importers.run(args.format, args.file, config)


def _places(args: argparse.Namespace) -> int:
    from sitegen import importers

    config = _config(args)
    return importers.suggest_places(config)


if __name__ == "__main__":
    sys.exit(main())
