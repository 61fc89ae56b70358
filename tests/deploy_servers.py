"""Real Apache and Redis for the deployment tests, and a chat user that roams between processes.

Apache runs the shipped site files from apache/ with only ports, paths and backend addresses
substituted, over TLS with a self-signed certificate. Each server is a subprocess on free
127.0.0.1 ports, in its own temporary directory, stopped by PID.
"""

import contextlib
import functools
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import redis
import requests
import socketio
import websocket
from servers import ROOT, GunicornServer, free_port, logging_to, wait_for_http

APACHE = "/usr/sbin/apache2"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
# Ubuntu's defaults that the sites rely on, then what docs/deployment.md has a2enmod enable.
MODULES = [
    "mpm_event",
    "authn_core",
    "authz_core",
    "alias",
    "socache_shmcb",
    "proxy",
    "proxy_http",
    "proxy_wstunnel",
    "proxy_balancer",
    "slotmem_shm",
    "lbmethod_byrequests",
    "headers",
    "ssl",
]
# Where the shipped sites expect things on a real host.
SHIPPED_CERTIFICATES = "/etc/letsencrypt/live/chat.example.com"
SHIPPED_DOMAIN = "chat.example.com"
SHIPPED_WEBROOT = "/var/www/html"


def self_signed_certificate(directory):
    """Write fullchain.pem and privkey.pem for 127.0.0.1, laid out as Let's Encrypt does."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return directory


def render_site(site, replacements):
    """The text of apache/<site> with each shipped value replaced; fail if one is missing."""
    text = (ROOT / "apache" / site).read_text()
    for shipped, local in replacements.items():
        if shipped not in text:
            raise ValueError(f"apache/{site} no longer contains {shipped!r}")
        text = text.replace(shipped, local)
    return text


class ApacheServer:
    """`apache2 -DFOREGROUND` serving one shipped site over https on a free port.

    backends maps each backend port the site names (8000, or 8001 and 8002) to a test port.
    """

    # Stopped by PID and read exactly as gunicorn is (tests/servers.py).
    signal, kill, stop, log = (
        GunicornServer.signal,
        GunicornServer.kill,
        GunicornServer.stop,
        GunicornServer.log,
    )

    def __init__(self, tmp_path, site, backends, certificates):
        self.directory = Path(tmp_path) / f"apache-{site}"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.https_port, self.http_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.http_url = f"http://127.0.0.1:{self.http_port}"
        self.log_path = self.directory / "error.log"
        # Apache's children run as www-data when started by root; they must read the webroot.
        self.webroot = Path(tempfile.mkdtemp(prefix="chat-webroot-"))
        self.webroot.chmod(0o755)
        replacements = {
            SHIPPED_CERTIFICATES: str(certificates),
            SHIPPED_DOMAIN: f"127.0.0.1:{self.https_port}",
            SHIPPED_WEBROOT: str(self.webroot),
            "*:80>": f"*:{self.http_port}>",
            "*:443>": f"*:{self.https_port}>",
        }
        for shipped, port in backends.items():
            replacements[f"127.0.0.1:{shipped}"] = f"127.0.0.1:{port}"
        (self.directory / "site.conf").write_text(render_site(site, replacements))
        (self.directory / "httpd.conf").write_text(self._main_config())
        self.process = None

    def _main_config(self):
        """What /etc/apache2/apache2.conf and ports.conf provide on Ubuntu, for this instance."""
        directory = self.directory
        run_as = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
        modules = "\n".join(
            f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so" for name in MODULES
        )
        return f"""ServerRoot {directory}
DefaultRuntimeDir {directory}
PidFile {directory}/apache2.pid
ErrorLog {directory}/error.log
LogLevel warn
Define APACHE_LOG_DIR {directory}
ServerName 127.0.0.1
{run_as}{modules}
Timeout 300
KeepAlive On
KeepAliveTimeout 5
LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{{Referer}}i\\" \\"%{{User-Agent}}i\\"" combined
SSLSessionCache shmcb:{directory}/ssl_scache(512000)
SSLProtocol all -SSLv3
<Directory />
    Require all denied
</Directory>
<Directory {self.webroot}>
    Require all granted
</Directory>
Listen 127.0.0.1:{self.http_port}
Listen 127.0.0.1:{self.https_port}
Include {directory}/site.conf
"""

    def start(self, timeout=15.0):
        """Start Apache in the foreground and wait until it answers over https."""
        logging_to(self.log_path)
        self.process = _spawn(
            [APACHE, "-f", str(self.directory / "httpd.conf"), "-DFOREGROUND"],
            self.directory / "console.log",
        )
        wait_for_http(self.url + "/apache-is-up", timeout, self.process)
        return self

    def access_log(self):
        """The site's access log so far."""
        path = self.directory / "chat-access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *_):
        # A child still tunnelling a WebSocket whose client never closed its end (as
        # python-socketio leaves one the server closed) ignores SIGTERM for seconds.
        self.signal(signal.SIGTERM, timeout=2)
        shutil.rmtree(self.webroot, ignore_errors=True)


class RedisServer:
    """Debian's redis-server on a free port, nothing saved to disk."""

    # Stopped by PID and read exactly as gunicorn is (tests/servers.py).
    signal, kill, stop, log, __exit__ = (
        GunicornServer.signal,
        GunicornServer.kill,
        GunicornServer.stop,
        GunicornServer.log,
        GunicornServer.__exit__,
    )

    def __init__(self, tmp_path):
        self.directory = Path(tmp_path) / "redis"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = self.directory / "redis.log"
        (self.directory / "redis.conf").write_text(
            f"bind 127.0.0.1\nport {self.port}\nsave ''\nappendonly no\n"
            f"dir {self.directory}\ndaemonize no\n"
        )
        self.process = None

    def start(self, timeout=10.0):
        """Start redis-server and wait until it answers PING."""
        self.process = _spawn(["redis-server", str(self.directory / "redis.conf")], self.log_path)
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: {self.log()}") from None
                time.sleep(0.05)

    def __enter__(self):
        return self.start()


@contextlib.contextmanager
def one_process_site(tmp_path):
    """gunicorn trusting one proxy, behind apache/chat.conf over https."""
    certificates = self_signed_certificate(Path(tmp_path) / "letsencrypt")
    with GunicornServer(tmp_path, env={"FLASK_TRUSTED_PROXIES": "1"}) as backend:
        apache = ApacheServer(tmp_path, "chat.conf", {8000: backend.port}, certificates)
        with apache:
            yield SimpleNamespace(url=apache.url, apache=apache, backend=backend)


@contextlib.contextmanager
def balanced_site(tmp_path, env=None, database=None):
    """Redis, gunicorn processes `one` and `two` (routes 1 and 2) sharing it and one database,
    and apache/chat-balancer.conf in front of them over https.

    Without `database` the processes share one SQLite file, as on one host. With a PostgreSQL
    URL they stand for two hosts sharing nothing on disk (see `host`), and the database is
    migrated once, by `flask chat migrate`, before either starts.
    """
    certificates = self_signed_certificate(Path(tmp_path) / "letsencrypt")
    with RedisServer(tmp_path) as queue:
        env = {"FLASK_MESSAGE_QUEUE": queue.url, "FLASK_TRUSTED_PROXIES": "1", **(env or {})}
        if database is None:
            servers = [GunicornServer(tmp_path, env=env, name=name) for name in ("one", "two")]
        else:
            env["FLASK_DATABASE"] = database
            servers = [host(tmp_path, name, env) for name in ("one", "two")]
            migrated = migrate(servers[0])
            assert migrated.returncode == 0, migrated.stderr
        with servers[0] as one, servers[1] as two:
            backends = {8001: one.port, 8002: two.port}
            with ApacheServer(tmp_path, "chat-balancer.conf", backends, certificates) as apache:
                yield SimpleNamespace(url=apache.url, apache=apache, queue=queue, one=one, two=two)


# What a host needs of the repository to run the chat; docs/deployment.md clones it there.
RELEASE = ("app.py", "gunicorn.conf.py", "chat", "templates", "static")


def host(tmp_path, name, env):
    """A gunicorn process standing for a host of its own: it runs from its own copy of the
    release, whose instance folder and log are its own, in tmp_path/host-<name>."""
    folder = Path(tmp_path) / f"host-{name}"
    release = folder / "release"
    for part in RELEASE:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, release / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            release.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, release / part)
    return GunicornServer(folder, env=env, name=name, root=release)


def migrate(server):
    """`flask chat migrate` with a server's settings, from its release, as an operator runs it
    once before starting a new release on every host."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "chat", "migrate"],
        cwd=server.root,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@contextlib.contextmanager
def roaming_users(url):
    """A function that connects a RoamingUser to url; all of them are closed at the end."""
    opened = []

    def user(nick, transports=("websocket",), route=None, reconnection=True):
        opened.append(RoamingUser(url, nick, transports, route, reconnection).connect())
        return opened[-1]

    try:
        yield user
    finally:
        for opened_user in opened:
            opened_user.close()


def _spawn(command, log_path):
    """Start a server in a session of its own (so it is stopped with its children)."""
    with open(logging_to(log_path), "ab") as log:
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )


class OneAtATimeTlsWebSocket(websocket.WebSocket):
    """websocket-client's WebSocket that never reads and writes its TLS connection at once.

    python-engineio reads in one thread while it writes in another, which OpenSSL does not
    support on one connection: now and then a frame is lost or garbled (the connection then
    looks closed, or fails with "rsv is not implemented"). So a read waits for data without
    the lock and holds it only to read; a write holds it to write.
    """

    def __init__(self, *arguments, **keywords):
        super().__init__(*arguments, **keywords)
        self._tls = threading.Lock()

    def _recv(self, bufsize):
        """Wait for data unlocked, then read it holding the lock."""
        if self.sock is not None and not _has_data(self.sock):
            raise websocket.WebSocketTimeoutException("Connection timed out waiting for data")
        with self._tls:
            return super()._recv(bufsize)

    def _send(self, data):
        """Write holding the lock."""
        with self._tls:
            return super()._send(data)


def _has_data(sock):
    """Whether sock has data to read, waiting up to its timeout for some to come."""
    if getattr(sock, "pending", lambda: 0)():
        return True
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(sock.gettimeout()))


# How long a hole in a room's live seqs may last before the user asks for what fills it: the
# message may simply still be on its way from another process through Redis.
HOLE_WAIT = 0.5
# How long a sender waits for an ack before it sends the message again (the page waits 5 s).
ACK_WAIT = 3.0


class RoamingUser:
    """A chat user over https, as the page behaves: it reconnects by itself, wherever the
    proxy sends it, re-joins its rooms after the highest seq it holds without a hole, and
    fetches the batches that follow. A hole in live delivery that outlasts HOLE_WAIT is
    filled the same way, and a message sent again after a lost ack keeps its client id.

    `route` pins it to one balancer member with the ROUTEID cookie a browser would carry.
    """

    def __init__(self, url, nick, transports=("websocket",), route=None, reconnection=True):
        self.url = url
        self.nick = nick
        self.transports = list(transports)
        self.http = requests.Session()
        self.http.verify = False
        # Else REQUESTS_CA_BUNDLE from the environment would override verify=False.
        self.http.trust_env = False
        if route is not None:
            self.pin(route)
        self.client = socketio.Client(
            ssl_verify=False,
            http_session=self.http,
            reconnection=reconnection,
            reconnection_delay=0.5,
            reconnection_delay_max=2,
            # One Origin header on both transports, from connect(), as a browser sends it.
            websocket_extra_options={"suppress_origin": True, "class_": OneAtATimeTlsWebSocket},
        )
        self.messages = {}
        self.received = []
        self.rooms = set()
        self.connects = 0
        self.disconnects = 0
        self.disconnect_reasons = []
        self.connected_at = None
        # (room, seq, the message id held, another id that came with the same seq)
        self.conflicts = []
        self._seqs = {}
        self._filling = set()
        self._lock = threading.Lock()
        self.client.on("connect", self._on_connect)
        self.client.on("disconnect", self._on_disconnect)
        self.client.on("chat message", self._on_message)
        self.client.on("connect_error", lambda data: self._on_event("connect_error", data))
        self.client.on("*", self._on_event)

    def pin(self, route):
        """Send the next connect to balancer member `route`, as a browser with that cookie."""
        self.http.cookies.set("ROUTEID", f".{route}", domain="127.0.0.1", path="/")

    def connect(self, origin=None):
        """Connect as the page would, sending the page's Origin (or the one given)."""
        self.client.connect(
            self.url,
            headers={"Origin": origin or self.url},
            auth={"nick": self.nick, "key": f"key-of-{self.nick}"},
            transports=self.transports,
            wait_timeout=10,
        )
        return self

    def join(self, room):
        """Join a room (and re-join it after every reconnect); return the ack."""
        ack = self.client.call("join", {"room": room}, timeout=10)
        assert ack["ok"], ack
        self.rooms.add(room)
        self._keep(ack["history"])
        return ack

    def say(self, room, text, client_id=None):
        """Send a message and return the ack, once the server stored it."""
        ack = self._send(room, text, client_id, timeout=10)
        assert ack["ok"], ack
        return ack

    def say_until_stored(self, room, text, client_id, timeout=30.0):
        """Send a message until an ack says it is stored, sending it again under the same
        client id after a lost ack or connection, as the page's outbox does; return the ack."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(socketio.exceptions.SocketIOError):
                ack = self._send(room, text, client_id, timeout=ACK_WAIT)
                if ack["ok"]:
                    return ack
            time.sleep(0.1)  # not connected, or not re-joined yet
        raise AssertionError(f"{self.nick}: {client_id} not stored within {timeout} s")

    def texts(self, room):
        """The texts of every message of a room this user has, in seq order."""
        with self._lock:
            held = [m for m in self.messages.values() if m["room"] == room]
        return [m["text"] for m in sorted(held, key=lambda m: m["seq"])]

    def seqs(self, room):
        """{seq: message id} of every message of a room this user has."""
        with self._lock:
            return dict(self._seqs.get(room, {}))

    def events(self, name):
        """The payloads of every `name` event received so far."""
        with self._lock:
            return [data for event, data in self.received if event == name]

    def wait_until(self, condition, timeout=10.0, what="condition"):
        """Poll condition() until true; fail after timeout seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.nick}: {what} not met within {timeout} s; connects "
                    f"{self.connects}, disconnects {self.disconnects}, last events "
                    f"{self.received[-5:]}"
                )
            time.sleep(0.05)

    def engine_sid(self):
        """The Engine.IO session id, as it appears in the polling URLs servers log."""
        return self.client.eio.sid

    def close(self):
        """Disconnect for good."""
        self.client.disconnect()

    def _send(self, room, text, client_id, timeout):
        """Send one message; keep it once acked; return the ack."""
        payload = {"room": room, "text": text}
        if client_id is not None:
            payload["client_id"] = client_id
        ack = self.client.call("chat message", payload, timeout=timeout)
        if ack["ok"]:
            stored = {"id": ack["id"], "seq": ack["seq"], "room": room, "text": text}
            self._keep([{**stored, "nick": self.nick}])
        return ack

    def _on_connect(self):
        """Re-join every room after the highest seq held there without a hole."""
        with self._lock:
            self.connects += 1
            self.connected_at = time.monotonic()
            self._filling.clear()
            resume = {room: self._held_through(room) for room in self.rooms}
        for room, after_seq in resume.items():
            payload = {"room": room, "after_seq": after_seq} if after_seq else {"room": room}
            self.client.emit("join", payload, callback=self._on_rejoin)

    def _on_disconnect(self, *reason):
        """Count connections lost, keeping why each was."""
        with self._lock:
            self.disconnects += 1
            self.disconnect_reasons.append(reason[0] if reason else None)

    def _on_rejoin(self, ack):
        """Keep the catch-up a re-join brought, fetch the batches after it, and keep the ack
        itself for the test to check."""
        self._on_event("rejoined", ack)
        if ack["ok"]:
            self._keep(ack["history"])
            if ack["more"]:
                self._fetch(ack["room"], ack["history"][-1]["seq"])

    def _fetch(self, room, after_seq):
        """Ask for the batch of a room's messages after a seq."""
        payload = {"room": room, "after_seq": after_seq}
        try:
            self.client.emit("history", payload, callback=functools.partial(self._batch, room))
        except socketio.exceptions.SocketIOError:
            with self._lock:
                self._filling.discard(room)  # the re-join after the reconnect catches up

    def _batch(self, room, ack):
        """Keep a catch-up batch, and ask for the next one while `more`."""
        if ack["ok"]:
            self._keep(ack["messages"])
        if ack["ok"] and ack["more"]:
            self._fetch(room, ack["messages"][-1]["seq"])
            return
        with self._lock:
            self._filling.discard(room)

    def _on_message(self, message):
        """Keep a live message; fill the hole before it, if one is still there in a while."""
        self._keep([message])
        self._on_event("chat message", message)
        with self._lock:
            hole = self._hole_in(message["room"])
        if hole:
            timer = threading.Timer(HOLE_WAIT, self._fill_hole, [message["room"]])
            timer.daemon = True
            timer.start()

    def _fill_hole(self, room):
        """Ask for the messages after the highest seq held without a hole, unless it is
        filled by now or already asked for."""
        with self._lock:
            if room in self._filling or not self._hole_in(room):
                return
            self._filling.add(room)
            after_seq = self._held_through(room)
        self._fetch(room, after_seq)

    def _on_event(self, event, data=None):
        """Record any other event."""
        with self._lock:
            self.received.append((event, data))

    def _keep(self, messages):
        """Keep messages by id and by seq, so a repeat is kept once; note a seq that came
        with two different messages."""
        with self._lock:
            for message in messages:
                self.messages[message["id"]] = message
                seqs = self._seqs.setdefault(message["room"], {})
                held = seqs.setdefault(message["seq"], message["id"])
                if held != message["id"]:
                    self.conflicts.append((message["room"], message["seq"], held, message["id"]))

    def _hole_in(self, room):
        """Whether the seqs held of a room have a hole below the highest. The caller holds
        the lock."""
        seqs = self._seqs.get(room, {})
        return bool(seqs) and max(seqs) > self._held_through(room)

    def _held_through(self, room):
        """The highest seq held with every seq from the lowest held up to it; 0 if none.
        The caller holds the lock."""
        seqs = self._seqs.get(room, {})
        if not seqs:
            return 0
        seq = min(seqs)
        while seq + 1 in seqs:
            seq += 1
        return seq
