"""The chat application factory."""

import os
from types import SimpleNamespace

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import admin, cli, events, runtime, security, transport, views
from .announcer import Announcer
from .compression import DeclineCompression
from .config import Config
from .extensions import csrf, socketio
from .presence import Presence
from .ratelimit import RateLimiter
from .shared_presence import SharedPresence, is_redis
from .socket_session import SocketAwareSessionInterface
from .stats import Stats
from .store import SQLiteStore
from .writer import GroupCommitWriter


def create_app(test_config=None):
    """Create and configure the app: settings, instance folder, extensions, pages, sockets."""
    app = Flask(__name__, instance_relative_config=True, root_path=_project_root())
    app.config.from_object(Config)
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or security.instance_secret_key(
        app.instance_path
    )
    app.config["DATABASE"] = app.config["DATABASE"] or os.path.join(
        app.instance_path, "chat.sqlite3"
    )
    app.session_interface = SocketAwareSessionInterface()
    app.after_request(security.add_security_headers)
    csrf.init_app(app)
    _init_socketio(app)
    if app.config["TRUSTED_PROXIES"]:
        # Outermost, so Socket.IO's origin check sees the scheme and host the browser used.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_services(app)

    events.register(socketio)
    app.register_blueprint(views.bp)
    admin.init_app(app)
    app.cli.add_command(cli.chat)
    return app


def _project_root():
    """The repository root, where templates/ and static/ live beside chat/."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _init_socketio(app):
    """Bind Socket.IO to the app with same-origin checks and the configured message queue."""
    # The shared SocketIO object keeps its options from one init_app to the next; a queue's
    # client manager left by an earlier app in this process must not serve this one.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"] or runtime.detected_async_mode(),
        message_queue=app.config["MESSAGE_QUEUE"] or None,
        cors_allowed_origins=app.config["CORS_ALLOWED_ORIGINS"] or None,
        max_http_buffer_size=app.config["MAX_HTTP_BUFFER_SIZE"],
        ping_interval=app.config["PING_INTERVAL"],
        ping_timeout=app.config["PING_TIMEOUT"],
        serializer=transport.CheckedPacket,
    )
    transport.harden(socketio.server)
    app.wsgi_app = transport.BodyLimit(app.wsgi_app, app.config["MAX_HTTP_BUFFER_SIZE"])
    if not app.config["WEBSOCKET_COMPRESSION"]:
        app.wsgi_app = DeclineCompression(app.wsgi_app)


def _init_services(app):
    """Create the store, the group-commit writer, presence, the announcer and the counters."""
    store = SQLiteStore(app.config["DATABASE"], app.config["DATABASE_SYNCHRONOUS"])
    queue = app.config["MESSAGE_QUEUE"]
    if is_redis(queue):
        presence = SharedPresence(queue, app.config["PRESENCE_TTL"], socketio)
    else:
        presence = Presence()
    announcer = Announcer(socketio, presence, app.config["ANNOUNCE_INTERVAL"])
    presence.report_departures_to(announcer)
    app.extensions["chat"] = SimpleNamespace(
        config=app.config,
        store=store,
        writer=GroupCommitWriter(
            store, socketio.server.eio, runtime.blocking_runner(socketio.async_mode)
        ),
        presence=presence,
        announcer=announcer,
        stats=Stats(),
        limiter=RateLimiter.from_config(app.config),
    )
