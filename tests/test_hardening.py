"""Hardening round 2 (issue 11): each test reproduces one of the red team's attacks or
faults, and failed before its fix. Builds run as an editor runs them: `sitegen` in a
subprocess, in a small site made by tests.test_atomic_build.make_site."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.check import check_content
from sitegen.config import load_config
from tests.test_atomic_build import INCIDENT, make_site, site_snapshot, sitegen

SECRET = "sitegen-hardening-secret-4711"


@pytest.fixture
def project(tmp_path) -> Path:
    return make_site(tmp_path / "project")


def problems_of(root: Path) -> list[str]:
    config = load_config(root / "mkdocs.yml")
    return [str(p) for p in check_content(config, root=root).problems]


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]


def published(site: Path, needle: str) -> list[str]:
    return [uri for uri, data in site_snapshot(site).items() if needle.encode() in data] if site.exists() else []


# --- 1. symlinks ------------------------------------------------------------------------------


def _links(project: Path, outside: Path) -> dict[str, Path]:
    """Links of every kind under content/, each pointing out of the project or nowhere."""
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (outside / "secret.yaml").write_text("id: leak\n" + INCIDENT.split("\n", 1)[1].replace("Kandadji", SECRET, 1))
    (outside / "2023-W40.md").write_text(f"---\ntitle: {SECRET}\n---\n{SECRET}\n")
    content = project / "content"
    (content / "guide").mkdir()
    rel = os.path.relpath(outside / "secret.txt", content / "guide")
    return {
        "env.txt": Path("/proc/self/environ"),
        "guide/climb.txt": Path(rel),  # relative, climbing out
        "incidents/2023/leak.yaml": outside / "secret.yaml",
        "briefs/2023-W40.md": outside / "2023-W40.md",
        "folder": outside,  # a linked folder: every file beneath it
        "guide/gone.md": outside / "no-such-file.md",  # dangling
        "gone.png": Path("nowhere.png"),
    }


def test_links_out_of_the_site_are_errors_and_never_published(project, tmp_path):
    links = _links(project, tmp_path / "outside")
    for rel, target in links.items():
        os.symlink(target, project / "content" / rel)
    result = sitegen(project, "build")
    assert_no_traceback(result)
    assert result.returncode == 1
    for rel in links:
        assert f"content/{rel}:1:1: error: this is a link to" in result.stderr, rel
    assert not (project / "site").exists()
    shown = problems_of(project)
    assert sorted(p.split(":", 1)[0] for p in shown) == sorted(f"content/{rel}" for rel in links)


def test_links_inside_the_site_folder_are_fine(project):
    (project / "notes.md").write_text("# Notes\n")
    os.symlink("../notes.md", project / "content" / "notes.md")
    (project / "content" / "more").mkdir()
    (project / "content" / "more" / "page.md").write_text("# Page\n")
    os.symlink("more", project / "content" / "linked")
    result = sitegen(project, "build")
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "notes" / "index.html").exists()


def test_a_link_through_a_linked_folder_inside_the_site_is_caught(project, tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "s.txt").write_text(SECRET)
    (project / "other").mkdir()
    os.symlink(tmp_path / "outside" / "s.txt", project / "other" / "s.txt")
    os.symlink("../other", project / "content" / "other")
    assert any("content/other/s.txt:1:1: error" in p for p in problems_of(project))


def test_serve_never_publishes_a_link_out_of_the_site(project, tmp_path):
    """Under serve, content errors do not stop the build: the files must be left out."""
    links = _links(project, tmp_path / "outside")
    for rel, target in links.items():
        os.symlink(target, project / "content" / rel)
    site = tmp_path / "served"
    script = (
        "import sys; from mkdocs.commands.build import build; from mkdocs.config import load_config\n"
        f"cfg = load_config({str(project / 'mkdocs.yml')!r}, site_dir={str(site)!r})\n"
        "cfg.plugins.on_startup(command='serve', dirty=False)\nbuild(cfg, serve_url='http://127.0.0.1:8000/')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr[-2000:]
    assert published(site, SECRET) == []
    assert published(site, "PATH=") == []


# --- 6, 7, 8. site_dir: refused unless ours, dotfiles kept, umask permissions -------------------


def _set_site_dir(project: Path, value: str) -> None:
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("site_dir: site", f"site_dir: {value}"))


@pytest.mark.parametrize("target", ["templates", ".git", "home", "other-site", "a-file"])
def test_site_dir_that_is_not_a_build_output_is_refused_untouched(project, target):
    folder = project / target
    if target == "a-file":
        folder.write_text("notes\n")
    else:
        folder.mkdir()
        (folder / "keep.txt").write_text("mine\n")
        (folder / ".profile").write_text("mine\n")
        (folder / "sub").mkdir()
        (folder / "sub" / "index.html").write_text("<p>another site</p>\n")
    _set_site_dir(project, target)
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".cache" not in p.parts}
    for command in ([sys.executable, "-m", "sitegen", "build"], [sys.executable, "-m", "mkdocs", "build", "-q"]):
        result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300)
        assert_no_traceback(result)
        assert result.returncode != 0, command
        assert "left untouched" in result.stderr or "is not a folder" in result.stderr, result.stderr
        after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".cache" not in p.parts}
        assert after == before, command


def test_site_dir_empty_absent_or_built_before_is_replaced(project):
    (project / "site").mkdir()
    assert sitegen(project, "build").returncode == 0
    assert (project / "site" / ".sitegen-output").is_file()
    (project / "site" / "stale.html").write_text("old\n")
    assert sitegen(project, "build").returncode == 0
    assert not (project / "site" / "stale.html").exists()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_build_keeps_dotfiles_already_in_site(project):
    assert sitegen(project, "build").returncode == 0
    site = project / "site"
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (site / ".htaccess").write_text("Options -Indexes\n")
    (site / ".well-known").mkdir()
    (site / ".well-known" / "security.txt").write_text("Contact: mailto:sec@example.org\n")
    for _ in range(2):
        result = sitegen(project, "build")
        assert result.returncode == 0, result.stderr
        assert (site / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"
        assert (site / ".htaccess").read_text() == "Options -Indexes\n"
        assert (site / ".well-known" / "security.txt").is_file()
        assert (site / "index.html").is_file()


def test_a_site_dir_holding_only_dotfiles_is_built_into(project):
    (project / "site").mkdir()
    (project / "site" / ".git").mkdir()
    (project / "site" / ".git" / "HEAD").write_text("x\n")
    assert sitegen(project, "build").returncode == 0
    assert (project / "site" / ".git" / "HEAD").read_text() == "x\n"


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_site_gets_the_permissions_of_the_umask(project, umask):
    result = subprocess.run(
        ["sh", "-c", f"umask {umask:03o} && exec {sys.executable} -m sitegen build"], cwd=project, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (project / "site").stat().st_mode & 0o777 == 0o777 & ~umask
    assert (project / "site" / "index.html").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_rebuild_under_another_umask_gives_every_file_its_permissions(project):
    # the second build's files come from the cache, linked into the site: they must not keep
    # the first build's permissions (a web server of another user could not read them)
    def build(umask: int) -> None:
        command = f"umask {umask:03o} && exec {sys.executable} -m sitegen build"
        result = subprocess.run(["sh", "-c", command], cwd=project, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr

    build(0o027)
    build(0o022)
    modes = {p.relative_to(project / "site").as_posix(): p.stat().st_mode & 0o777 for p in (project / "site").rglob("*") if p.is_file()}
    wrong = {path: oct(mode) for path, mode in modes.items() if mode != 0o644}
    assert not wrong
    assert len(modes) > 20


# --- 9. interrupted builds ----------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def busy_project(tmp_path) -> Path:
    """400 weeks of incidents: a build that takes a few seconds."""
    import datetime as dt

    root = make_site(tmp_path / "busy")
    for n in range(400):
        day = dt.date(2015, 1, 5) + dt.timedelta(weeks=n)
        text = INCIDENT.replace("2023-09-28-kandadji", f"inc-{n}").replace("2023-09-28", day.isoformat())
        (root / "content" / "incidents" / "2023" / f"i{n}.yaml").write_text(text)
    return root


def _staging(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site-"))


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT", "SIGKILL"])
def test_an_interrupted_build_leaves_no_process_and_no_staging_folder(busy_project, sig):
    import signal
    import time

    assert sitegen(busy_project, "build").returncode == 0
    old_site = site_snapshot(busy_project / "site")
    import shutil

    shutil.rmtree(busy_project / ".cache")
    # dated as the first build: a signal that lands after the swap leaves the new site, whole,
    # which must then be the same site (it failed on the sitemap's date alone, CI 2026-12-02)
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "build"], cwd=busy_project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
    deadline = time.monotonic() + 60
    kids: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        kids = _children(proc.pid)  # worker processes, if the build starts any (the reader's pool)
        if _staging(busy_project) and (busy_project / ".cache").is_dir():
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err[-3000:]
    time.sleep(1)
    assert [k for k in kids if _alive(k)] == [], "worker processes outlived the build"
    assert site_snapshot(busy_project / "site") == old_site  # the previous site is intact
    if sig != "SIGKILL":
        assert _staging(busy_project) == []
    # the next build removes what a killed one left
    assert sitegen(busy_project, "build").returncode == 0
    assert _staging(busy_project) == []


def test_the_swap_is_one_atomic_exchange(project, monkeypatch, tmp_path):
    """Killed between two renames, the old swap left no site/ at all: now there is none."""
    from sitegen import build

    assert sitegen(project, "build").returncode == 0
    staging = tmp_path / "project" / ".site-building-1-x"
    staging.mkdir()
    (staging / "new.txt").write_text("new")
    calls = []
    monkeypatch.setattr(Path, "rename", lambda self, target: calls.append((self, target)))
    build._swap(staging, project / "site")
    assert calls == []  # no rename at all: one renameat2(RENAME_EXCHANGE)
    assert (project / "site" / "new.txt").read_text() == "new"
    assert not staging.exists()


# --- 10, 11. the cache: never trusted, keyed on every option ---------------------------------------


def _pickle_bomb(flag: Path) -> bytes:
    import pickle

    class Bomb:
        def __reduce__(self):
            return (os.system, (f"touch {flag}",))

    return pickle.dumps(Bomb())


def _clean_build(project: Path) -> dict[str, bytes]:
    import shutil

    shutil.rmtree(project / ".cache", ignore_errors=True)
    result = sitegen(project, "build")
    assert result.returncode == 0, result.stderr
    return site_snapshot(project / "site")


def _corrupt(path: Path, how: str, flag: Path) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: max(1, len(data) // 3)])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(os.urandom(200))
    elif how == "pickled":
        path.write_bytes(_pickle_bomb(flag))
    elif how == "markup":  # an edited entry: markup added where text was
        path.write_bytes(data.replace(b"Kandadji", b"<script>alert(1)</script>").replace(b"7", b"70000"))


@pytest.mark.parametrize("how", ["truncated", "empty", "garbage", "pickled", "markup"])
def test_a_corrupted_cache_is_ignored_and_rebuilt(project, tmp_path, how):
    (project / "content" / "briefs" / "2023-W39.md").write_text(
        "---\ntitle: A week in Kandadji\nsummary: One attack.\n---\nWe recorded {{ stats.incidents }} incident in Kandadji.\n"
    )
    clean = _clean_build(project)
    flag = tmp_path / "pwned"
    for _ in range(2):  # the second build writes a cache of its own, then finds it corrupted
        entries = [p for p in (project / ".cache").rglob("*") if p.is_file()]
        assert {p.relative_to(project / ".cache").parts[1] for p in entries} >= {"build", "read", "checks"}
        for path in entries:
            _corrupt(path, how, flag)
        result = sitegen(project, "build")
        assert_no_traceback(result)
        assert result.returncode == 0, result.stderr
        assert not flag.exists(), "a cache entry ran code"
        assert site_snapshot(project / "site") == clean
        validate = sitegen(project, "validate")
        assert validate.returncode == 0 and "Traceback" not in validate.stderr, validate.stderr
    assert not flag.exists()


@pytest.mark.parametrize("edit", [
    (b'"fatalities":', b'"fatalities":"many","x":'),  # a string where a count goes
    (b'"date":"', b'"date":"not a date'),
    (b'"visibility":"public"', b'"visibility":"everyone"'),
    (b'{"incidents":', b'{"incidents":{},"was":'),
])  # fmt: skip
def test_a_sealed_read_cache_entry_of_the_wrong_shape_is_read_again(project, edit):
    """An entry that passes its seal (anyone can compute a sha256) but whose records do
    not have their fields' types: the file is read again, not trusted, nothing crashes."""
    from sitegen.cache import seal, unseal

    clean = _clean_build(project)
    entries = [p for p in (project / ".cache" / "sitegen" / "read").rglob("*") if p.is_file()]
    edited = 0
    for path in entries:
        payload = unseal(path.read_bytes())
        if payload is not None and edit[0] in payload:
            path.write_bytes(seal(payload.replace(edit[0], edit[1], 1)))
            edited += 1
    assert edited
    result = sitegen(project, "build")
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert site_snapshot(project / "site") == clean


def test_a_cache_folder_made_of_odd_files_is_survived(project):
    clean = _clean_build(project)
    cache = project / ".cache" / "sitegen"
    import shutil

    for kind in [p for p in (cache / "build").iterdir()]:
        for entry in list(kind.iterdir())[:1]:
            entry.unlink()
            entry.mkdir()  # a folder where an entry was
    shutil.rmtree(cache / "read")
    (cache / "read").write_text("not a folder")
    result = sitegen(project, "build")
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert site_snapshot(project / "site") == clean


OPTION_CHANGES = {
    "tiles.attribution": ("attribution: x", "attribution: Tiles by <a href='https://example.org/'>Example</a>"),
    "tiles.url": ("https://tile.example.org/", "https://tiles.example.net/"),
    "recent_weeks": ("attribution: x}", "attribution: x}\n      recent_weeks: 1"),
    "event_types": (
        "attribution: x}",
        "attribution: x}\n      event_types: [{slug: battle, label: Fighting, colour: '#112233'}]",
    ),
    "site_name": ("site_name: Atomic test site", "site_name: Another name"),
    "site_url": ("site_url: https://atomic.example.org/", "site_url: https://other.example.net/sub/"),
    "use_directory_urls": ("docs_dir: content", "docs_dir: content\nuse_directory_urls: false"),
    "copyright": ("docs_dir: content", "docs_dir: content\ncopyright: Someone else"),
}


@pytest.mark.parametrize("option", sorted(OPTION_CHANGES))
def test_changing_an_option_gives_the_site_a_clean_build_gives(project, option):
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("tiles: {url: null}", "tiles: {url: 'https://tile.example.org/{z}/{x}/{y}.png', attribution: x}"))
    assert sitegen(project, "build").returncode == 0  # warm cache for the old options
    old, new = OPTION_CHANGES[option]
    assert old in yml.read_text()
    yml.write_text(yml.read_text().replace(old, new))
    result = sitegen(project, "build")
    assert result.returncode == 0, result.stderr
    warm = site_snapshot(project / "site")
    assert warm == _clean_build(project)


# --- 5. messages, not tracebacks: options, numbers, full disks, read-only folders -----------------


@pytest.mark.parametrize(
    "old, new, needle",
    [
        ("site_dir: site", "site_dir: 5", "'site_dir' must be text"),
        ("docs_dir: content", "docs_dir: null", "'docs_dir'"),  # null: MkDocs' default, docs/, which is missing
        ("tiles: {url: null}", "tiles: {url: null}\n      recent_weeks: abc", "recent_weeks"),
        ("tiles: {url: null}", "tiles: {url: null}\n      recent_weeks: -5", "recent_weeks"),
        ("tiles: {url: null}", "tiles: [1, 2]", "tiles"),
        ("tiles: {url: null}", "tiles: {url: 5}", "tiles"),
        ("tiles: {url: null}", "tiles: {url: null}\n      event_types: 7", "event_types"),
        ("  - sitegen:\n      tiles: {url: null}", "  - sitegen: [1, 2]", "sitegen"),
    ],
)
def test_bad_options_are_one_line_messages(project, old, new, needle):
    yml = project / "mkdocs.yml"
    assert old in yml.read_text()
    yml.write_text(yml.read_text().replace(old, new))
    for args in (["validate"], ["build"]):
        result = sitegen(project, *args)
        assert_no_traceback(result)
        assert result.returncode != 0, args
        assert needle in result.stderr + result.stdout, (args, result.stderr)
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=project, capture_output=True, text=True)
    assert_no_traceback(result)
    assert result.returncode != 0


def test_a_config_file_that_is_not_a_mapping_is_a_message(project):
    (project / "mkdocs.yml").write_text("- just\n- a list\n")
    result = sitegen(project, "validate")
    assert_no_traceback(result)
    assert result.returncode == 1 and result.stdout.startswith("mkdocs.yml:1:1: error: mkdocs.yml must be a mapping"), result.stdout


@pytest.mark.parametrize("field, digits", [("fatalities", 400), ("injured", 400), ("fatalities", 5000)])
def test_huge_counts_are_errors_at_their_line(project, field, digits):
    path = project / "content" / "incidents" / "2023" / "kandadji.yaml"
    text = INCIDENT.replace("fatalities: 7", f"fatalities: 7\ninjured: 1").replace(f"{field}: ", f"{field}: " + "9" * digits + "#")
    path.write_text(text.replace("#7", "").replace("#1", ""))
    line = next(n for n, l in enumerate(path.read_text().splitlines(), 1) if l.startswith(field))
    for args in (["validate"], ["build"]):
        result = sitegen(project, *args)
        assert_no_traceback(result)
        assert result.returncode == 1
        assert f"kandadji.yaml:{line}:" in result.stdout + result.stderr


def _in_process_build(project: Path, monkeypatch, capsys) -> tuple[int, str]:
    from sitegen.build import atomic_build

    monkeypatch.chdir(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    code = atomic_build(project / "mkdocs.yml")
    return code, capsys.readouterr().err


def test_a_full_disk_is_a_message_and_the_site_is_kept(project, monkeypatch, capsys):
    import errno

    import mkdocs.utils

    assert sitegen(project, "build").returncode == 0
    before = site_snapshot(project / "site")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[-1]) if args else None)

    monkeypatch.setattr(mkdocs.utils, "write_file", full)
    monkeypatch.setattr("mkdocs.commands.build.utils.write_file", full)
    code, err = _in_process_build(project, monkeypatch, capsys)
    assert code == 1
    assert "No space left on device" in err and "Traceback" not in err
    assert site_snapshot(project / "site") == before
    assert _staging(project) == []


def test_a_full_disk_in_the_data_writer_is_a_message(project, monkeypatch, capsys):
    import errno
    import shutil

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[-1]))

    monkeypatch.setattr(shutil, "copyfile", full)
    monkeypatch.setattr(Path, "write_bytes", full)
    code, err = _in_process_build(project, monkeypatch, capsys)
    assert code == 1 and "No space left on device" in err
    assert not (project / "site").exists()


def test_a_read_only_working_folder_is_a_message(project, monkeypatch, capsys):
    import errno
    import tempfile

    def read_only(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(project))

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    code, err = _in_process_build(project, monkeypatch, capsys)
    assert code == 1 and "Permission denied" in err and "Traceback" not in err


def test_a_full_file_system_for_real(project, tmp_path):
    """site_dir on a 300 KB tmpfs (where the test may mount one)."""
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(tiny)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        _set_site_dir(project, str(tiny / "site"))
        for command in ([sys.executable, "-m", "sitegen", "build"], [sys.executable, "-m", "mkdocs", "build", "-q"]):
            result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300)
            assert_no_traceback(result)
            assert result.returncode != 0
            assert "No space left on device" in result.stdout + result.stderr
            assert "sitegen/assets" not in result.stdout + result.stderr, "the file that could not be written is named"
        result = sitegen(project, "build")  # again, after mkdocs left a half-written site
        assert "No space left on device" in result.stderr
    finally:
        subprocess.run(["umount", str(tiny)])


# --- 2, 4, 5, 15. briefs: Markdown without raw HTML, web links, a bounded sandbox ----------------

BRIEF_HEAD = "---\ntitle: A week in Tillabéri\nsummary: One attack.\n---\nWe recorded {{ stats.incidents }} incident.\n\n"
BAD_BRIEFS = {
    "script": "<script>window.x=1</script>",
    "inline-html": "Text with <b onclick=alert(1)>bold</b> in it.",
    "img-slash": "<img/src=x onerror=alert(1)>",
    "comment": "<!-- hidden -->",
    "made-by-expression": "{{ '<scr' ~ 'ipt>alert(1)</script>' }}",
    "javascript-link": "[x](javascript:alert(1))",
    "encoded-scheme": "[x](jav&#x61;script:alert(1))",
    "reference-link": "[x][r]\n\n[r]: javascript:alert(1)",
    "data-link": "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "autolink": "<javascript:alert(1)>",
    "vbscript": "[x](vbscript:msgbox)",
}


def _write_brief(project: Path, body: str) -> int:
    """The brief's line where `body` starts."""
    (project / "content" / "briefs" / "2023-W39.md").write_text(BRIEF_HEAD + body + "\n", encoding="utf-8")
    return BRIEF_HEAD.count("\n") + 1


@pytest.mark.parametrize("name", sorted(BAD_BRIEFS))
def test_raw_html_and_other_links_in_a_brief_are_errors_at_their_line(project, name):
    line = _write_brief(project, BAD_BRIEFS[name])
    if name == "reference-link":  # the link is where its target is defined
        line += 2
    for args in (["validate"], ["build"]):
        result = sitegen(project, *args)
        assert_no_traceback(result)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        # at its line, and at the column where the body holds it
        assert re.search(rf"content/briefs/2023-W39\.md:{line}:\d+: error:", result.stdout + result.stderr), (args, result.stderr)
    assert not (project / "site").exists()


def test_a_brief_with_markdown_links_and_code_is_fine(project):
    _write_brief(project, "See [the ministry](https://example.org/a?b=1&c=2), <https://example.org/>, "
                          "[mail](mailto:desk@example.org), [a page](../../data/) and `<b>code</b>`.\n\n"
                          "```\n<script>in a fence</script>\n```\n\n{{ incident('2023-09-28-kandadji') }}\n\n{{ map() }}")
    result = sitegen(project, "build")
    assert result.returncode == 0, result.stderr
    page = (project / "site" / "weeks" / "2023-W39" / "index.html").read_text()
    assert "&lt;script&gt;in a fence&lt;/script&gt;" in page and "<script>in a fence" not in page


RUNAWAY_BRIEFS = {
    "nested-ranges": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "doubling": "{% set a = 'x' * 1000 %}" + "{% set a = a ~ a %}" * 40 + "{{ a|length }}",
    "list-doubling": "{% set a = [1] * 1000 %}" + "{% set a = a + a %}" * 40 + "{{ a|length }}",
    "power": "{{ 10**5000 }}",
    "huge-literal": "{{ " + "9" * 5000 + " }}",
    "padding": "{{ 'x'|center(100000000) }}",
    "method-padding": "{{ 'x'.ljust(100000000) }}",
    "format-width": "{{ '%100000000d'|format(1) }}",
    "lipsum": "{{ lipsum(100000000) }}",
    "recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "float-overflow": "{{ 10.0 ** 400 }}",
}


@pytest.mark.parametrize("name", sorted(RUNAWAY_BRIEFS))
def test_a_runaway_brief_is_an_error_at_its_line_not_a_hang(project, name):
    import time

    line = _write_brief(project, "Some text.\n\n" + RUNAWAY_BRIEFS[name]) + 2
    for args in (["validate"], ["build"]):
        start = time.monotonic()
        result = sitegen(project, *args)
        assert time.monotonic() - start < 60
        assert_no_traceback(result)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert f"content/briefs/2023-W39.md:{line}:1: error:" in result.stdout + result.stderr, (args, result.stdout, result.stderr)


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ incident('2023-09-28-' ~ 'nope') }}",
        "{{ incident(['2023-09-28', 'internal-one']|join('-')) }}",
        "{{ stats.incidents + 'x' }}",
        "{{ map(1, 2, 3)|length }}",
    ],
)
def test_validate_finds_every_brief_error_the_build_finds(project, body):
    internal = INCIDENT.replace("2023-09-28-kandadji", "2023-09-28-internal-one") + "visibility: internal\n"
    (project / "content" / "incidents" / "2023" / "internal.yaml").write_text(internal)
    line = _write_brief(project, "Text.\n\n" + body) + 2
    build = sitegen(project, "build")
    validate = sitegen(project, "validate")
    for result in (build, validate):
        assert_no_traceback(result)
        assert result.returncode == 1, result.stderr
        assert f"content/briefs/2023-W39.md:{line}:1: error:" in result.stdout + result.stderr, result.stdout + result.stderr


def test_a_brief_error_is_reported_once_by_the_build(project):
    _write_brief(project, "{{ ''.__class__ }}")
    result = sitegen(project, "build")
    assert result.returncode == 1
    assert result.stderr.count("__class__") == 1, result.stderr


# --- 3. placeholders ------------------------------------------------------------------------------


def test_incident_text_naming_an_internal_placeholder_is_left_alone(project):
    path = project / "content" / "incidents" / "2023" / "kandadji.yaml"
    path.write_text(INCIDENT.replace("title: Almahaou unit attacked near Kandadji",
                                     "title: Attack __SG_SCRIPT_HASHES__ and __SG_TILE_HOSTS__ near Kandadji"))
    assert sitegen(project, "build").returncode == 0
    import re

    for page in (project / "site").rglob("*.html"):
        text = page.read_text()
        csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', text)
        assert csp and "__SG_" not in csp[1], page
        if "Attack" in text:
            assert "Attack __SG_SCRIPT_HASHES__ and __SG_TILE_HOSTS__ near Kandadji" in text, page
            for body in re.findall(r"<script>(.*?)</script>", text, re.S):
                import base64
                import hashlib

                assert base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() in csp[1], page


# --- 12. imports write only what the reader reads --------------------------------------------------


def _acled_rows(tmp_path: Path, count: int, extra: dict[str, str] | None = None, notes: int = 0) -> Path:
    import csv
    import io

    from tests.conftest import FIXTURES

    base = next(csv.DictReader(io.StringIO((FIXTURES / "acled" / "sample.csv").read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(base))
    writer.writeheader()
    for n in range(count):
        writer.writerow({**base, "event_id_cnty": f"NIG{100000 + n}", "notes": base["notes"] + " x" * notes})
    for n, changes in enumerate((extra or {}).items()):
        column, value = changes
        writer.writerow({**base, "event_id_cnty": f"BAD{n}", column: value})
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _import_site(tmp_path: Path) -> Path:
    site = tmp_path / "import-site"
    (site / "content").mkdir(parents=True)
    (site / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\nplugins:\n  - sitegen\n")
    return site


@pytest.mark.parametrize(
    "column, value, needle",
    [
        ("event_date", "1 January 0001", "outside the years"),
        ("event_date", "3000-01-01", "outside the years"),
        ("fatalities", "99999999999", "larger than"),
    ],
)
def test_an_import_skips_rows_the_reader_would_refuse(tmp_path, column, value, needle):
    site = _import_site(tmp_path)
    csv_path = _acled_rows(tmp_path, 3, {column: value})
    result = subprocess.run([sys.executable, "-m", "sitegen", "import", "acled", str(csv_path)], cwd=site,
                            capture_output=True, text=True, timeout=300)
    assert_no_traceback(result)
    assert "export.csv:8: error:" in result.stdout and needle in result.stdout, result.stdout  # notes span two lines
    assert "3 added" in result.stdout
    validate = subprocess.run([sys.executable, "-m", "sitegen", "validate"], cwd=site, capture_output=True, text=True)
    assert validate.returncode == 0, validate.stdout


def test_a_big_week_is_split_into_files_the_reader_accepts(tmp_path, monkeypatch, capsys):
    from sitegen.cli import main
    from sitegen.importers import writer
    from sitegen.read.yamlfile import MAX_FILE_BYTES

    assert writer.MAX_PART_BYTES * 2 <= MAX_FILE_BYTES
    monkeypatch.setattr(writer, "MAX_PART_BYTES", 64 * 1024)  # 45,000 rows' worth of bytes, scaled down
    site = _import_site(tmp_path)
    csv_path = _acled_rows(tmp_path, 400, notes=40)
    monkeypatch.chdir(site)
    assert main(["import", "acled", str(csv_path)]) == 0
    files = sorted((site / "content" / "incidents" / "acled").glob("*.yaml"))
    assert len(files) > 2 and all(f.stat().st_size <= 64 * 1024 for f in files), [(f.name, f.stat().st_size) for f in files]
    assert main(["validate"]) == 0
    capsys.readouterr()
    assert main(["import", "acled", str(csv_path)]) == 0  # again: its own files, read back
    assert "0 added, 0 updated, 400 unchanged" in capsys.readouterr().out
    assert sorted((site / "content" / "incidents" / "acled").glob("*.yaml")) == files
    # fewer rows: fewer parts, nothing left behind twice
    assert main(["import", "acled", str(_acled_rows(tmp_path, 400, notes=2))]) == 0
    capsys.readouterr()
    assert main(["validate"]) == 0, capsys.readouterr().out


def test_an_old_import_file_above_the_reader_limit_is_split_on_reimport(tmp_path, monkeypatch, capsys):
    from sitegen.cli import main
    from sitegen.importers import writer
    from sitegen.read import yamlfile

    site = _import_site(tmp_path)
    csv_path = _acled_rows(tmp_path, 300, notes=40)
    monkeypatch.chdir(site)
    monkeypatch.setattr(writer, "MAX_PART_BYTES", 1 << 30)  # as an import before parts wrote it
    assert main(["import", "acled", str(csv_path)]) == 0
    (big,) = (site / "content" / "incidents" / "acled").glob("*.yaml")
    size = big.stat().st_size
    monkeypatch.setattr(yamlfile, "MAX_FILE_BYTES", size // 2)
    monkeypatch.setattr(writer, "MAX_PART_BYTES", size // 4)
    capsys.readouterr()
    assert main(["import", "acled", str(csv_path)]) == 0
    out = capsys.readouterr().out
    assert "0 added, 0 updated, 300 unchanged" in out, out
    assert all(f.stat().st_size <= size // 2 for f in (site / "content" / "incidents" / "acled").glob("*.yaml"))
    assert main(["validate"]) == 0


# --- 13, 14, 17, 18. located messages ---------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f"])
def test_a_control_character_is_reported_at_its_place_on_one_line(project, char):
    path = project / "content" / "incidents" / "2023" / "kandadji.yaml"
    path.write_text(INCIDENT.replace("title: Almahaou", f"title: Alma{char}haou"))
    line = next(n for n, l in enumerate(path.read_text().splitlines(), 1) if l.startswith("title"))
    result = sitegen(project, "validate")
    assert result.returncode == 1
    problems = [l for l in result.stdout.splitlines() if "kandadji.yaml" in l]
    assert problems == [problems[0]] and problems[0].startswith(f"content/incidents/2023/kandadji.yaml:{line}:12: error:"), result.stdout


@pytest.mark.parametrize("args", [["--id", "../../../../x"], ["--id", "Bad ID"], ["--id", "/tmp/abs"], ["--date", "0001-01-01"],
                                  ["--date", "9999-12-31"]])
def test_new_incident_refuses_ids_and_dates_validate_would_refuse(project, args):
    before = {p for p in project.parent.rglob("*")}
    result = sitegen(project, "new", "incident", *args)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert {p for p in project.parent.rglob("*")} == before


def test_places_values_are_one_short_line(project):
    (project / "content" / "places.yaml").write_text(
        "Kandadji: {lat: 14.62, lon: 0.98, admin1: " + "A" * 2_000_000 + "}\n"
        "Ayorou:\n  lat: 14.73\n  lon: 0.92\n  admin1: |\n    two\n    lines\n"
        + "B" * 400 + ": {lat: 1, lon: 1}\n"
    )
    shown = problems_of(project)
    assert [p.split(": error")[0] for p in shown if "places.yaml" in p] == [
        "content/places.yaml:1:43", "content/places.yaml:5:11", "content/places.yaml:8:1"]


def test_raw_html_in_a_multi_line_summary_is_reported_at_its_own_line(project):
    path = project / "content" / "incidents" / "2023" / "kandadji.yaml"
    path.write_text(INCIDENT.replace("summary: Several hundred assailants attacked an army unit.",
                                     "summary: |\n  First line.\n  Second line,\n  third <b>bold</b> line."))
    line = next(n for n, l in enumerate(path.read_text().splitlines(), 1) if "<b>" in l)
    assert any(p.startswith(f"content/incidents/2023/kandadji.yaml:{line}:") and "raw HTML" in p for p in problems_of(project))


# --- 16 and the live reload: `sitegen serve` -------------------------------------------------------


@pytest.fixture
def served(tmp_path):
    """`sitegen serve` on a small site with its own copy of the theme; yields (root, base URL)."""
    import shutil
    import socket
    import time

    from tests.conftest import ROOT

    root = make_site(tmp_path / "served")
    shutil.copytree(ROOT / "templates", root / "templates")
    yml = root / "mkdocs.yml"
    # the installed theme, overridden by the site's own copy (custom_dir), which the tests break
    yml.write_text(yml.read_text().replace("  name: sitegen\n", "  name: sitegen\n  custom_dir: templates\n"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "-a", f"127.0.0.1:{port}"], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            _fetch(base + "weeks/2023-W39/")
            break
        except OSError:
            time.sleep(0.3)
    try:
        yield root, base, server
    finally:
        server.terminate()
        server.output = server.communicate(timeout=30)[0]


def _fetch(url: str, timeout: float = 20) -> str:
    """The page's text, whatever its status (a failed build's error page is a 404)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.read().decode("utf-8")


def _wait(predicate, timeout: float = 90):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = predicate()
            if found:
                return found
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError("timed out")


def test_serve_lets_the_reload_script_run_and_a_page_reloads_after_a_save(served):
    import base64
    import hashlib
    import re

    from tests.sitetools import launch_chromium

    root, base, server = served
    page_html = _fetch(base + "weeks/2023-W39/")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', page_html)[1]
    scripts = re.findall(r"<script>(.*?)</script>", page_html, re.S)
    assert any("livereload(" in body for body in scripts)
    for body in scripts:
        assert base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() in csp
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_playwright, playwright_error = sync_api.sync_playwright, sync_api.Error
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            violations = []
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            loads = []
            page.on("load", lambda _: loads.append(1))
            page.goto(base + "weeks/2023-W39/")
            page.wait_for_load_state("load")
            brief = root / "content" / "briefs" / "2023-W39.md"
            brief.write_text(brief.read_text().replace("We recorded", "After the save we recorded"))
            def reloaded() -> bool:
                try:
                    return "After the save we recorded" in page.content()
                except playwright_error:  # asked while the page reloads (a save is seen at once now)
                    return False

            _wait(reloaded, timeout=60)
            assert not [v for v in violations if "livereload" in v or "inline" in v], violations
            page.wait_for_timeout(4000)  # both of serve's watchers have seen the save by now
            assert len(loads) == 2, f"one save, one rebuild, one reload: {len(loads) - 1} reloads"
        finally:
            browser.close()


def test_serve_shows_a_broken_theme_and_a_runaway_brief_instead_of_hanging(served):
    import time

    root, base, server = served
    main = root / "templates" / "base.html"  # every page's skeleton (main.html extends it)
    good = main.read_text()
    main.write_text(good.replace("{%- if sg_problems %}", "{%- if sg_problems %}{% if %}", 1))
    line = good[: good.index("{%- if sg_problems %}")].count("\n") + 1
    page = _wait(lambda: f"base.html:{line}:1: error:" in (text := _fetch(base + "weeks/2023-W39/")) and text)
    # sitegen serve rebuilds into the folder as the last build left it: the page stays, under the error
    assert "could not be rebuilt" in page and "A week in Tillab" in page, "the last good build's page"
    start = time.monotonic()
    _fetch(base)  # answered, not held until a good build
    assert time.monotonic() - start < 10
    main.write_text(good)
    _wait(lambda: "A week in Tillab" in _fetch(base + "weeks/2023-W39/"))

    brief = root / "content" / "briefs" / "2023-W39.md"
    brief.write_text(brief.read_text() + "\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n")
    page = _wait(lambda: "take longer than" in (text := _fetch(base + "weeks/2023-W39/")) and text)
    assert page.count("take longer than") == 1, "the error is shown once"
    assert server.poll() is None


def test_serve_shows_a_brief_error_once_on_the_page_and_in_the_log(served):
    root, base, server = served
    brief = root / "content" / "briefs" / "2023-W39.md"
    brief.write_text(brief.read_text() + "\n{{ ''.__class__ }}\n")
    page = _wait(lambda: "__class__" in (text := _fetch(base + "weeks/2023-W39/")) and text)
    assert page.count("is unsafe") == 1, page
    server.terminate()
    output = server.communicate(timeout=30)[0]
    assert output.count("is unsafe") == 1, output
    assert "Traceback" not in output
