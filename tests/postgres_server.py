"""A real PostgreSQL for tests: Debian's server binaries on a free 127.0.0.1 port.

The tests run as root, and PostgreSQL refuses to: initdb and postgres run as the `postgres`
system user, in a temporary directory that user owns, and the server is stopped by PID.
Each test gets a database of its own, made by `create_database`.

Run as a program (`python tests/postgres_server.py`, as the benchmark does), it prints the
URL of the server's `postgres` database and serves until SIGTERM or SIGINT.
"""

import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from servers import ROOT, free_port, logging_to


def _binaries():
    """The newest server binaries Debian's postgresql package installed (15 on Debian 12, 16
    on Ubuntu 24.04)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[4])
    )
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


BINARIES = _binaries()
USER = "postgres"
PASSWORD = "chat-test"
# Settings for a throw-away server: nothing outlives the test run, so the disk is not
# flushed. Commits still wait for the server to write its log (synchronous_commit stays on).
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    # The database's name leads each log line, so that a test finds its own (see `plans`).
    "log_line_prefix": "[%d] ",
}


def _as_postgres(command):
    """A command run as the postgres user when the tests run as root (root may not run the
    server)."""
    return (["runuser", "-u", USER, "--"] if os.geteuid() == 0 else []) + command


class PostgresServer:
    """`postgres` on a free port, with a password-protected superuser, in a temporary
    directory removed at the end."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="chat-postgres-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.log_path = self.directory / "postgres.log"
        self.process = None
        self._names = itertools.count(1)

    def url(self, database="postgres"):
        """The URL of a database on this server, as FLASK_DATABASE takes it."""
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def start(self, timeout=30.0):
        """initdb on the first start, start the server, and wait until it takes connections."""
        if not self.data.exists():
            self._initdb()
        settings = [f"--{name}={value}" for name, value in SETTINGS.items()]
        server = [str(BINARIES / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        with open(logging_to(self.log_path), "ab") as log:
            self.process = subprocess.Popen(
                _as_postgres([*server, f"--unix_socket_directories={self.directory}", *settings]),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=ROOT,
            )
        self._wait_until_ready(timeout)
        return self

    def _initdb(self):
        """Make the data directory, owned by the postgres user, with a password-protected
        superuser."""
        if os.geteuid() == 0:
            account = pwd.getpwnam(USER)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        password_file = self.directory / "password"
        password_file.write_text(PASSWORD)
        initdb = [
            str(BINARIES / "initdb"), "-D", str(self.data), "-U", USER, "-E", "UTF8",
            "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
        ]  # fmt: skip
        subprocess.run(_as_postgres(initdb), check=True, capture_output=True, timeout=60)

    def _wait_until_ready(self, timeout):
        """Poll with a connection until the server answers."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"postgres did not start: {self.log()}") from None
                time.sleep(0.1)

    def create_database(self):
        """A new, empty database; its URL."""
        name = f"chat_test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def create_owned_database(self, password="chat-secret"):
        """A login role and a database it owns, made as docs/deployment.md has an operator
        make them (the role is no superuser); the database's URL, for that role."""
        name = f"chat_owner_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            role = sql.Identifier(name)
            admin.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password))
            )
            admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(role, role))
        return f"postgresql://{name}:{password}@127.0.0.1:{self.port}/{name}"

    def drop_owned_database(self, url):
        """Drop a database made by create_owned_database, and its role."""
        self.drop_database(url)
        role = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    def drop_database(self, url):
        """Drop a database made by create_database, disconnecting whoever is still on it."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def plans(self, database):
        """The query plans auto_explain logged for a database, each as one text."""
        entries, current = [], None
        for line in self.log().splitlines():
            if line.startswith("\t"):
                if current is not None:
                    current.append(line)
                continue
            current = [line] if line.startswith(f"[{database}] LOG:  duration:") else None
            if current is not None:
                entries.append(current)
        return ["\n".join(entry) for entry in entries]

    def log(self):
        """Everything the server logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def halt(self):
        """Fast shutdown (SIGINT: roll back open transactions, then exit), SIGKILL if slow;
        the data stays for `start` to serve again."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def stop(self):
        """Halt the server and remove its directory."""
        self.halt()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *_):
        self.stop()


def main():
    """Serve until SIGTERM or SIGINT, having printed the server's URL; then remove it all."""
    stopping = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    with PostgresServer() as server:
        print(server.url(), flush=True)
        signal.sigwait(stopping)


if __name__ == "__main__":
    main()
