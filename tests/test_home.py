"""A first run: `/` sends each audience where it belongs, says how to create the first sponsor and
administrator while there is none, and passes axe at phone and desktop widths; `ler serve` says
what it does at start and prints where people go."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from issuer.app import create_app
from issuer.composition import build_services
from issuer.config import Config

from browser_support import PHONE, browser, server  # noqa: F401 (fixtures)
from conftest import ROOT
from portal_support import make_tenant

DESKTOP = {"width": 1280, "height": 900}
PLACES = {"/portal/login": "Sign in to the console", "/me/login": "Apprentice sign-in",
          "/verify": "Verify a credential", "/openapi.json": "OpenAPI description"}


@pytest.fixture
def fresh(tmp_path, env):
    """A service on a database of its own, as on a first start: no sponsor, no staff."""
    config = Config.from_env(database_url=f"sqlite:///{tmp_path / 'first.sqlite3'}")
    services = build_services(config)
    yield create_app(config, services), services
    services.engine.dispose()


def test_home_links_every_audience_to_a_page_that_answers(fresh):
    app, _ = fresh
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    for href, label in PLACES.items():
        assert re.search(rf'<a [^>]*href="{re.escape(href)}"[^>]*>{re.escape(label)}</a>', html), label
        assert client.get(href).status_code == 200, href
    assert "/.well-known/did.json" in html and client.get("/.well-known/did.json").status_code == 200


def test_home_says_how_to_create_the_first_administrator_until_one_exists(fresh):
    app, services = fresh
    client = app.test_client()
    first = client.get("/").get_data(as_text=True)
    assert "No staff account exists yet" in first
    assert "ler sponsors create" in first and "--role administrator" in first
    make_tenant(services)
    assert "No staff account exists yet" not in client.get("/").get_data(as_text=True)


@pytest.fixture
def app(fresh):
    """browser_support's `server` serves this app: the first-run one."""
    return fresh[0]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_home_in_a_browser_passes_axe_and_fits(browser, server, viewport, tmp_path):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(server + "/")
        assert page.get_by_role("main").count() == 1 and page.get_by_role("banner").count() == 1
        assert page.get_by_role("heading", level=1).count() == 1
        for name in ("Sponsor staff", "Apprentices", "Employers and anyone shown a credential",
                     "Developers and sponsor systems"):
            assert page.get_by_role("heading", level=2, name=name).is_visible()
        violations = [f"{v['id']}: {v['help']}" for v in Axe().run(page).response["violations"]]
        assert violations == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.get_by_role("link", name="Verify a credential").click()
        page.wait_for_url(server + "/verify")
        screenshots = Path(os.environ.get("LER_SCREENSHOTS", tmp_path))
        page.go_back()
        page.screenshot(path=str(screenshots / f"home-{viewport['width']}.png"), full_page=True)
    finally:
        context.close()


def _start(environment: dict) -> tuple[subprocess.Popen, str, str]:
    """`ler serve` on a free port: the process, what it printed up to its list of places, its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-c", "from issuer.cli import main; main()", "serve", "--port", str(port)],
                              env=environment, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    while not lines or "openapi.json" not in lines[-1]:
        line = process.stdout.readline()  # the test's timeout bounds a server that never gets there
        if not line:
            break
        lines.append(line.rstrip())
    return process, "\n".join(lines), f"http://127.0.0.1:{port}"


def test_serve_says_what_it_does_on_a_first_start_and_where_to_go(tmp_path, env):
    environment = {**os.environ, "LER_INSTANCE_DIR": str(tmp_path / "instance"), "LER_KEYS_DIR": str(tmp_path / "keys")}
    environment.pop("LER_DATABASE_URL")  # the embedded default, in a folder that does not exist yet
    process, output, base = _start(environment)
    try:
        assert "Creating the database sqlite:///" in output and "(first start)" in output, output
        assert "Making the service's first signing key (Ed25519" in output
        assert "Loading the seed programs" in output and "Programs: dol-cs-tech-support-3031" in output
        assert "No staff account yet" in output and "--role administrator" in output
        for path in ("/", "/portal/login", "/me/login", "/verify", "/openapi.json"):
            assert re.search(rf"^  .+:\s+{re.escape(base + path)}$", output, re.M), path
        for _ in range(100):  # the URLs are printed just before waitress binds the port
            try:
                with urllib.request.urlopen(base + "/", timeout=5) as answer:
                    assert answer.status == 200 and b"Verify a credential" in answer.read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the home page never answered")
    finally:
        process.terminate()
        process.wait(30)
    # A second start finds everything in place: no first-start lines.
    process, output, _ = _start(environment)
    process.terminate()
    process.wait(30)
    assert "Migrating the database sqlite:///" in output, output
    assert "first start" not in output and "first signing key" not in output
