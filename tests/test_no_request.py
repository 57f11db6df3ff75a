"""Nothing fetched while a report prints (issue 29, Build 4): Chromium prints with the network blocked.

A loopback HTTP server counts the requests it gets. The kit's page names no remote
resource (a remote Markdown image becomes a link, tests/test_commentary.py); these tests
prove that even a page that does name some is printed without one request leaving.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator

import nbformat
import pytest
from conftest import SAMPLE, need_chromium

from impact_kit.cli import main
from impact_kit.render.pdf import print_pdf

pytestmark = pytest.mark.slow


@pytest.fixture
def chromium() -> str:
    return need_chromium()


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server: its address, and the paths it was asked for."""
    asked: list[str] = []

    class Counting(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_HEAD = do_GET

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}", asked
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_chromium_prints_a_page_that_names_remote_resources_without_requesting_them(chromium, server, tmp_path):
    host, asked = server
    page = tmp_path / "report.html"
    page.write_text(
        f"""<!DOCTYPE html><html lang="fr"><head><title>t</title>
<link rel="stylesheet" href="http://{host}/style.css"><link rel="preconnect" href="http://{host}/">
<style>@import url(http://localhost:{host.split(":")[1]}/import.css); body {{ background: url(http://{host}/bg.png) }}
@font-face {{ font-family: x; src: url(http://{host}/font.woff2) }} p {{ font-family: x }}</style></head>
<body><p>Rapport</p><img src="http://{host}/beacon.png" alt="plan"><img src="http://localhost:{host.split(":")[1]}/b2.png">
<iframe src="http://{host}/frame"></iframe><a href="http://{host}/link">lien</a>
<script>fetch("http://{host}/fetch"); navigator.sendBeacon("http://{host}/beacon", "x");</script></body></html>""",
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    pdf = print_pdf(page, tmp_path / "report.pdf", workdir=work, browser=chromium)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert asked == []


def test_report_pdf_of_a_working_notebook_with_a_remote_image_and_links_requests_nothing(
    chromium, server, tmp_path, monkeypatch, capsys
):
    host, asked = server
    shutil.copytree(SAMPLE, tmp_path / "data")
    with (tmp_path / "data" / "observations.csv").open("a", encoding="utf-8") as handle:  # a link in the data
        handle.write(f"the-good-start,2021,lien_social,testimony,Voir http://{host}/data-link et <http://{host}/b>\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IMPACT_KIT_BROWSER", chromium)
    assert main(["notebook", "the-good-start", "2021"]) == 0
    path = tmp_path / capsys.readouterr().out.strip()
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(
        nbformat.v4.new_markdown_cell(
            f"## Regard\n\n![plan](http://{host}/beacon.png) [![lié](http://{host}/linked.png)](http://{host}/x)\n\n"
            f"![ref][r]\n\n[r]: http://{host}/reference.png\n\n<img src='http://{host}/raw.png'>"
        )
    )
    nbformat.write(nb, path)
    out = tmp_path / "out"
    code = main(["report", "the-good-start", "2021", "--notebook", str(path), "--out", str(out), "--pdf"])
    assert code == 0, capsys.readouterr().err
    folder = out / "the-good-start" / "2021"
    assert (folder / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert f"http://{host}/beacon.png" in (folder / "report.html").read_text(encoding="utf-8")  # a link, as text
    assert asked == []
