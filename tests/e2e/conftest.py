"""Browser harness: one headless Chromium per session, a real gunicorn server per test module,
and a browser context per person.

Fixtures: `browser`, `server_env` (override in a module for extra server settings),
`server`, `open_page(label, **context_options)` and `person(nick, room)`. When a test fails,
a Playwright trace and a screenshot of every page it opened are kept under
`tests/artifacts/<test name>/`; on success the traces are discarded.
"""

import re
from pathlib import Path

import chromium
import pytest
import socketio as socketio_client
from chat_page import ChatPage
from playwright.sync_api import expect, sync_playwright
from servers import GunicornServer

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

# Generous for a shared 2-core machine; each expectation that measures latency sets its own.
DEFAULT_TIMEOUT_MS = 10_000

expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember on the test item whether its set-up or its body failed."""
    report = yield
    if report.when in ("setup", "call") and report.failed:
        item.stash[_failed] = True
    return report


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server_env():
    """Extra environment for this module's server; a test module may override it."""
    return {}


@pytest.fixture(scope="module")
def server(tmp_path_factory, server_env):
    """The real app under `gunicorn -k eventlet -w 1` on a free port, one per test module."""
    with GunicornServer(tmp_path_factory.mktemp("e2e-server"), env=server_env) as server:
        yield server


@pytest.fixture
def operator(server, server_env):
    """A client on the `/admin` namespace, signed in with the token the module's server was
    given (`FLASK_ADMIN_TOKEN` in its server_env)."""
    client = socketio_client.SimpleClient()
    token = server_env["FLASK_ADMIN_TOKEN"]
    client.connect(server.url, namespace="/admin", auth={"token": token}, transports=["websocket"])
    yield client
    client.disconnect()


@pytest.fixture
def open_page(browser, request):
    """Open a page in a new, traced browser context: one person with their own cookies."""
    opened = []

    def open_page(label, **context_options):
        context = browser.new_context(**context_options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.tracing.start(screenshots=True, snapshots=True)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        opened.append((label, context, page, errors))
        return page

    yield open_page
    failed = request.node.stash.get(_failed, False)
    folder = ARTIFACTS / re.sub(r"[^\w.\-]+", "_", request.node.name)
    for label, context, page, _errors in opened:
        if failed:
            _keep_evidence(folder, label, context, page)
        else:
            context.tracing.stop()
        context.close()
    script_errors = [f"{label}: {error}" for label, _, _, errors in opened for error in errors]
    if script_errors and not failed:
        pytest.fail("uncaught script errors on the page:\n" + "\n".join(script_errors))


def _keep_evidence(folder, label, context, page):
    """Save a screenshot of the page and the context's trace under folder."""
    folder.mkdir(parents=True, exist_ok=True)
    if not page.is_closed():
        page.screenshot(path=folder / f"{label}.png", full_page=True)
    context.tracing.stop(path=folder / f"{label}-trace.zip")


@pytest.fixture
def person(open_page, server):
    """Someone who fills the form with nick and room and waits until the room is open."""

    def person(nick, room, **context_options):
        page = open_page(nick, **context_options)
        page.goto(server.url + "/")
        return ChatPage.enter(page, nick, room)

    return person
