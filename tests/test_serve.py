"""Live preview as an editor uses it: `sitegen serve`, then a content error is saved."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import KANDADJI

INCIDENT = KANDADJI


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except OSError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting; last error: {last}")


def test_serve_shows_a_content_error_and_keeps_serving(tmp_path: Path):
    site = tmp_path / "site"
    (site / "content/incidents").mkdir(parents=True)
    (site / "content/incidents/kandadji.yaml").write_text(INCIDENT, encoding="utf-8")
    (site / "mkdocs.yml").write_text(
        "site_name: Preview\ndocs_dir: content\ntheme:\n  name: sitegen\n"
        "plugins:\n  - sitegen:\n      tiles: {url: null}\n",
        encoding="utf-8",
    )
    port = _free_port()
    env = dict(os.environ)
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        status, page = _wait_for(lambda: _get(f"http://127.0.0.1:{port}/weeks/2023-W39/"))
        assert status == 200 and "Almahaou unit attacked near Kandadji" in page

        (site / "content/incidents/broken.yaml").write_text(INCIDENT.replace("lat: 14.62", "lat: north"))
        message = "content/incidents/broken.yaml:6:6: error: &#39;lat&#39; must be a number"

        def error_shown():
            _, html = _get(f"http://127.0.0.1:{port}/weeks/2023-W39/")
            return message in html and html

        page = _wait_for(error_shown)
        assert "Almahaou unit attacked near Kandadji" in page, "the valid incident is still shown"
        assert server.poll() is None, "the server stays up"

        (site / "content/incidents/broken.yaml").unlink()
        _wait_for(lambda: "Content problems" not in _get(f"http://127.0.0.1:{port}/weeks/2023-W39/")[1])
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "broken.yaml:6:6: error" in output, "the terminal shows the error too"
    assert "Traceback" not in output
