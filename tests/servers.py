"""Real servers for tests, each a subprocess on a free 127.0.0.1 port, stopped by PID."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Every log a server of this test process writes to (gunicorn, Apache, Redis, PostgreSQL),
# for the report of a failed test.
LOGS = []


def logging_to(path):
    """path, noted in LOGS: the log a server is about to write to."""
    if path not in LOGS:
        LOGS.append(path)
    return path


def logs_written_since(moment, lines=40):
    """(name, last lines) of each log in LOGS written to since moment (a time.time())."""
    return [
        (path.name, "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        for path in LOGS
        if path.exists() and path.stat().st_mtime >= moment
    ]


def wait_for_http(url, timeout=15.0, process=None):
    """Poll url until it answers (any status) or raise after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            requests.get(url, timeout=1, verify=False)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


class GunicornServer:
    """`gunicorn -k eventlet -w 1 app:app` on 127.0.0.1, as deployed, with its own database.

    It runs from the repository, or from `root`: a copy of the release, as on another host;
    with the root's gunicorn.conf.py, or the settings file `config`.
    """

    def __init__(self, tmp_path, port=None, env=None, name="server", root=ROOT, config=None):
        self.root = Path(root)
        self.config = Path(config) if config else self.root / "gunicorn.conf.py"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tmp_path) / f"{name}-{self.port}.log"
        self.env = {
            **os.environ,
            "FLASK_DATABASE": str(Path(tmp_path) / "chat.sqlite3"),
            "FLASK_SECRET_KEY": "test-secret",
            "FLASK_ANNOUNCE_INTERVAL": "0.2",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.process = None

    def start(self, timeout=20.0):
        """Start the process and wait until it serves the front page."""
        log = open(logging_to(self.log_path), "ab")  # noqa: SIM115  (closed with the process)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(self.config),
                "--bind",
                f"127.0.0.1:{self.port}",
                "app:app",
            ],
            cwd=self.root,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            wait_for_http(self.url + "/", timeout, self.process)
        except RuntimeError as error:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{error}; its log ends:\n{tail}") from error
        return self

    def signal(self, signum, timeout=15.0):
        """Send signum to the whole process group and wait for it to exit."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signum)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def kill(self):
        """SIGKILL, as a crash would."""
        self.signal(signal.SIGKILL)

    def stop(self):
        """SIGTERM, as a process manager would."""
        self.signal(signal.SIGTERM)

    def log(self):
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")

    def worker_pid(self):
        """The pid of gunicorn's worker (the master's only child), or None between workers."""
        children = []
        for listing in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            children += [int(pid) for pid in listing.read_text().split()]
        return children[0] if children else None

    def worker_rss_kib(self):
        """The worker's resident memory in KiB, as /proc reports it."""
        status = Path(f"/proc/{self.worker_pid()}/status").read_text()
        [rss] = [line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")]
        return int(rss)

    def __enter__(self):
        return self.start()

    def __exit__(self, *_):
        self.kill()
