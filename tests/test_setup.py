"""The README's set-up commands, run as a new user runs them: in a fresh copy of the project,
with the distribution's own Python first on PATH, and the app's first words on starting."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from servers import ROOT, free_port

from chat import create_app

DISTRIBUTION_PYTHON = Path("/usr/bin/python3")
FIRST_START_TIMEOUT = 600


def readme_command(number):
    """The command under the comment `# <number>.` in the README's set-up block."""
    readme = (ROOT / "README.md").read_text()
    for block in re.findall(r"```sh\n(.*?)```", readme, re.S):
        lines = block.strip().splitlines()
        if lines and lines[0].startswith(f"# {number}."):
            return "\n".join(line for line in lines[1:] if not line.startswith("#"))
    raise LookupError(f"the README has no set-up command numbered {number}")


def fresh_copy(destination):
    """Every file git tracks, as it is in the working tree: what a clone of it would hold."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            target.chmod(source.stat().st_mode)
    return destination


def as_a_new_user(port):
    """The environment of someone whose python3 is the distribution's, with no venv active."""
    path = [str(DISTRIBUTION_PYTHON.parent)] + [
        entry
        for entry in os.environ["PATH"].split(os.pathsep)
        if entry and not entry.startswith(str(Path(sys.prefix)))
    ]
    unset = ("VIRTUAL_ENV", "PYTHONPATH", "PYENV_VERSION")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in unset and not key.startswith("FLASK_")
    }
    return {**env, "PATH": os.pathsep.join(path), "PORT": str(port), "PYTHONUNBUFFERED": "1"}


def start(command, cwd, env, log_path):
    """Run a shell command in a process group of its own, its output going to log_path."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process):
    """Stop a process group as Ctrl+C would, and make sure it is gone."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def form_page(url, process, timeout, log_path):
    """The front page's HTML once the server answers; fail with its output if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            return requests.get(url, timeout=2).text
        except requests.RequestException:
            time.sleep(0.25)
    pytest.fail(f"{url} did not answer within {timeout} s:\n{log_path.read_text()[-3000:]}")


@pytest.fixture
def clone(tmp_path):
    """A fresh copy of the project, removed afterwards with everything it installed."""
    return fresh_copy(tmp_path / "chat")


@pytest.mark.slow
@pytest.mark.timeout(FIRST_START_TIMEOUT + 120)
@pytest.mark.skipif(not DISTRIBUTION_PYTHON.exists(), reason="no distribution python3")
def test_the_readme_first_command_starts_the_app_with_the_distributions_python(clone):
    command = readme_command(1)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = clone.parent / "first-start.log"
    first = start(command, clone, as_a_new_user(port), log_path)
    try:
        page = form_page(url, first, FIRST_START_TIMEOUT, log_path)
    finally:
        stop(first)
    assert 'id="nickname"' in page and "Join the chat" in page
    log = log_path.read_text()
    assert f"open http://127.0.0.1:{port}/ in a browser" in log
    assert "Press Ctrl+C to stop" in log
    assert "home = /usr/bin" in (clone / ".venv" / "pyvenv.cfg").read_text()
    assert "Traceback" not in log

    second_log = clone.parent / "second-start.log"
    started = time.monotonic()
    second = start(command, clone, as_a_new_user(port), second_log)
    try:
        form_page(url, second, 60, second_log)
    finally:
        stop(second)
    assert time.monotonic() - started < 20, "a second run must skip what is installed"
    assert "setup:" not in second_log.read_text(), "nothing to install the second time"


def test_the_readme_test_command_is_what_ci_runs():
    assert readme_command(2) == "bash .ci/run"


def run_app(env, timeout=30):
    """Run `python app.py` to its end; (exit status, what it printed)."""
    finished = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return finished.returncode, finished.stdout + finished.stderr


def test_an_occupied_port_gets_one_clear_line_and_no_traceback(tmp_path):
    with socket.socket() as occupant:
        occupant.bind(("127.0.0.1", 0))
        occupant.listen()
        port = occupant.getsockname()[1]
        status, output = run_app(
            {"PORT": str(port), "FLASK_INSTANCE_PATH": str(tmp_path / "instance")}
        )
    assert status == 1
    assert output.strip() == (
        f"Cannot listen on 127.0.0.1:{port}: Address already in use. "
        "Stop whatever uses it, or choose another port with PORT=..."
    )


def test_an_instance_folder_that_cannot_be_written_gets_one_clear_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status, output = run_app({"FLASK_INSTANCE_PATH": str(blocker / "instance")})
    assert status == 1
    assert output.strip() == (
        f"Cannot start the chat: cannot create the instance folder {blocker}/instance: "
        "Not a directory."
    )


def test_an_all_digit_admin_token_stays_text_and_turns_the_operators_page_on(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_ADMIN_TOKEN", "12345678901234567890")
    app = create_app({"SECRET_KEY": "t", "DATABASE": str(tmp_path / "chat.sqlite3")})
    assert app.config["ADMIN_TOKEN"] == "12345678901234567890"
    assert app.test_client().get("/admin").status_code == 200


@pytest.mark.parametrize(
    ("variable", "value", "kind"),
    [
        ("FLASK_RATE_LIMIT", "abc", "a number"),
        ("FLASK_WEBSOCKET_COMPRESSION", "1", "true or false"),
        ("FLASK_CORS_ALLOWED_ORIGINS", "https://chat.example.org", "a JSON list"),
    ],
)
def test_a_setting_of_the_wrong_kind_stops_the_start_with_one_line(tmp_path, variable, value, kind):
    status, output = run_app({variable: value, "FLASK_INSTANCE_PATH": str(tmp_path / "instance")})
    assert status == 1
    assert output.strip() == f"Cannot start the chat: {variable} must be {kind}, not {value!r}."
