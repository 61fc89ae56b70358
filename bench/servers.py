"""Starting and stopping the servers under test as child processes, and the PostgreSQL that
ours may keep its history in."""

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from history import copy_history
from loadgen.procstat import process_tree

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
REFERENCE_DIR = BENCH_DIR / "reference"
FLOOR_DIR = BENCH_DIR / "floor"
# ours-postgresql is ours with its history in PostgreSQL instead of SQLite; floor is our stack
# with the reference's handlers (floor/app.py).
SYSTEMS = ("reference", "floor", "ours", "ours-postgresql")
# The tests' throw-away PostgreSQL, run as a program: it prints its URL and serves until SIGTERM.
POSTGRES_SERVER = REPO_ROOT / "tests" / "postgres_server.py"
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
# Lets start-up allocations settle so the memory baseline is not still climbing.
SETTLE_S = 1.0


class ServerError(Exception):
    """A server did not start."""


@dataclass
class Server:
    """A running server process and where it listens."""

    system: str
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self):
        """Return the base URL clients connect to."""
        return f"http://127.0.0.1:{self.port}"


def ensure_reference_installed():
    """Install the reference server's pinned npm packages unless they are current."""
    installed = REFERENCE_DIR / "node_modules" / ".package-lock.json"
    lock = REFERENCE_DIR / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=REFERENCE_DIR, check=True)


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command(system, port, workdir, database=None):
    """Return the argv, working directory and environment that start a system; ours keeps
    its history in `database` (a PostgreSQL URL), or else in a new SQLite file."""
    env = dict(os.environ)
    if system == "reference":
        env["PORT"] = str(port)
        return ["node", "server.js", str(port)], REFERENCE_DIR, env
    argv = [sys.executable, "-m", "gunicorn", "-k", "eventlet", "-w", "1"]
    argv += ["--bind", f"127.0.0.1:{port}", "app:app"]
    if system == "floor":
        # Its app.py and gunicorn.conf.py are read from its folder; the chat package from the
        # repository.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        return argv, FLOOR_DIR, env
    env["FLASK_RATE_LIMIT"] = "0"
    env["FLASK_DATABASE"] = database or str(workdir / "bench.sqlite3")
    return argv, REPO_ROOT, env


def start_server(system, workdir, database=None, history=0):
    """Start a system on a free port and wait until it answers HTTP; ours keeps its history
    in `database` (a PostgreSQL URL), or else in a copy of a database holding `history`
    stored messages, when not 0."""
    port = free_port()
    if history:
        copy_history(history, workdir / "bench.sqlite3")
    argv, cwd, env = server_command(system, port, workdir, database)
    log_path = workdir / f"{system}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(system, process, port, log_path)
    try:
        wait_until_ready(server)
    except ServerError:
        stop_server(server)
        raise
    time.sleep(SETTLE_S)
    return server


def wait_until_ready(server):
    """Poll the Engine.IO endpoint until any HTTP answer comes back."""
    probe = f"{server.url}/socket.io/?EIO=4&transport=polling"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(f"{server.system} exited early:\n{log_tail(server)}")
        try:
            with urllib.request.urlopen(probe, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise ServerError(
        f"{server.system} not ready after {READY_TIMEOUT_S:.0f} s:\n{log_tail(server)}"
    )


def stop_server(server):
    """Ask the server to quit (SIGINT), then kill its process tree by pid if it lingers."""
    tree = process_tree(server.process.pid)
    server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    for pid in tree[1:]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue


def log_tail(server, lines=20):
    """Return the last lines of a server's log."""
    text = server.log_path.read_text(errors="replace")
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def postgres_server():
    """A throw-away PostgreSQL, started as the tests start theirs, for the whole benchmark;
    yields the URL of its `postgres` database."""
    process = subprocess.Popen(
        [sys.executable, str(POSTGRES_SERVER)],
        cwd=POSTGRES_SERVER.parent,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        url = process.stdout.readline().strip()
        if not url:
            raise ServerError(f"PostgreSQL did not start (exit code {process.wait()})")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_S * 3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


_databases = itertools.count(1)


@contextlib.contextmanager
def fresh_database(server_url):
    """A new, empty database on the benchmark's PostgreSQL, dropped afterwards; yields its
    URL."""
    import psycopg  # the app's driver; only runs on PostgreSQL need it

    name = f"bench_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
