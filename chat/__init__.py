"""The chat application factory: it only wires the layers together (docs/architecture.md)."""

import logging
import os

from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, config, instance, transport
from .cluster.link import RedisLink
from .cluster.orders import OrdersChannel
from .cluster.shared_figures import SharedFigures
from .cluster.shared_presence import SharedPresence, is_redis
from .config import Config
from .core import store as history
from .core.identities import Identities
from .core.pictures import Pictures
from .core.presence import Presence
from .core.ratelimit import Quotas, RateLimiter
from .core.stalls import StallWatch
from .core.stats import Stats
from .core.writer import GroupCommitWriter
from .extensions import csrf, socketio
from .instance import StartupError
from .realtime import admin, direct, edits, events, nicknames, reading, search, socket_rooms
from .realtime.announcer import Announcer
from .realtime.contexts import SOCKETIO_PATH, ChatFlask
from .runtime import Runtime, detected_async_mode
from .services import Services
from .transport.body_limit import BodyLimit
from .transport.compression import DeclineCompression
from .transport.guards import close_connection
from .transport.hosts import AllowedHosts
from .web import admin_views, pictures, views
from .web.security import SecurityHeaders
from .web.sessions import ChatSessionInterface

__all__ = ["StartupError", "create_app"]

KICK_ORDERS = "chat-moderation"
RECLAIM_ORDERS = "chat-reclaims"

logger = logging.getLogger(__name__)
# The process's stall watch, shared by its apps: a stall stops the whole process.
_stall_watch = None


def create_app(test_config=None):
    """Create and configure the app: settings, instance folder, extensions, pages, sockets."""
    app = ChatFlask(
        __name__,
        instance_path=os.environ.get("FLASK_INSTANCE_PATH") or None,
        instance_relative_config=True,
        root_path=_project_root(),
    )
    app.config.from_object(Config)
    app.config.from_prefixed_env()
    config.typed(app.config)
    if test_config is not None:
        app.config.from_mapping(test_config)
    instance.prepare(app.instance_path)
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or instance.secret_key(
        app.instance_path
    )
    app.config["DATABASE"] = app.config["DATABASE"] or os.path.join(
        app.instance_path, "chat.sqlite3"
    )
    app.session_interface = ChatSessionInterface()
    csrf.init_app(app)
    transport_status = _init_socketio(app)
    if app.config["ALLOWED_HOSTS"]:
        app.wsgi_app = AllowedHosts(app.wsgi_app, app.config["ALLOWED_HOSTS"])
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
    if app.config["TRUSTED_PROXIES"]:
        # Outermost, so Socket.IO's origin check sees the scheme and host the browser used.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    runtime = Runtime.of(socketio.server.eio)
    link = _redis_link(app.config, runtime)
    _init_services(app, runtime, link, transport_status)

    events.register(socketio, nicknames, direct, edits, reading, search)
    app.register_blueprint(views.bp)
    app.register_blueprint(pictures.bp)
    if admin.init_app(app, _kick_orders(app, link), _shared_figures(app, link)):
        app.register_blueprint(admin_views.bp)
    app.cli.add_command(cli.chat)
    return app


def _project_root():
    """The repository root, where templates/ and static/ live beside chat/."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _init_socketio(app):
    """Bind Socket.IO to the app with same-origin checks and the configured message queue;
    return the transport's status."""
    # The shared SocketIO object keeps its options from one init_app to the next; a queue's
    # client manager left by an earlier app in this process must not serve this one.
    socketio.server_options.pop("client_manager", None)
    queue = app.config["MESSAGE_QUEUE"]
    manager = {}
    if is_redis(queue):
        # Instead of python-socketio's RedisManager, whose publishes hold up the emitting
        # handler for as long as Redis takes to answer or time out.
        manager["client_manager"] = socket_rooms.RedisManager(queue, app.config["REDIS_TIMEOUT"])
    elif not queue:
        manager["client_manager"] = socket_rooms.LocalManager()
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"] or detected_async_mode(),
        path=SOCKETIO_PATH,
        message_queue=queue or None,
        cors_allowed_origins=app.config["CORS_ALLOWED_ORIGINS"] or None,
        max_http_buffer_size=app.config["MAX_HTTP_BUFFER_SIZE"],
        ping_interval=app.config["PING_INTERVAL"],
        ping_timeout=app.config["PING_TIMEOUT"],
        serializer=transport.CheckedPacket,
        **manager,
    )
    transport_status = transport.harden(
        socketio.server, app.config["FAST_TRANSPORT"], app.config["OPENING_SESSIONS_PER_ADDRESS"]
    )
    # Uploads of pictures are bounded by their view (chat/web/pictures.py).
    app.wsgi_app = BodyLimit(
        app.wsgi_app, app.config["MAX_HTTP_BUFFER_SIZE"], own_bounds=(pictures.UPLOAD_PATH,)
    )
    if not app.config["WEBSOCKET_COMPRESSION"]:
        app.wsgi_app = DeclineCompression(app.wsgi_app)
    return transport_status


def _redis_link(config, runtime):
    """The Redis client that presence and kicks share, when the queue is Redis; else None."""
    queue = config["MESSAGE_QUEUE"]
    return RedisLink(queue, config["REDIS_TIMEOUT"], runtime) if is_redis(queue) else None


def _init_services(app, runtime, link, transport_status):
    """Create the store, the group-commit writer, presence, the announcer and the counters."""
    store = _open_store(app.config, runtime)
    if link is not None:
        presence = SharedPresence(link, app.config["PRESENCE_TTL"], runtime)
    else:
        presence = Presence()
    announcer = Announcer(presence, app.config["ANNOUNCE_INTERVAL"], app.config["MEMBERS_PAGE"])
    presence.report_departures_to(announcer.departed)
    engine = socketio.server.eio
    writer = GroupCommitWriter(store, runtime)
    reserve_for = app.config["NICKNAME_RESERVATION_DAYS"]
    app.extensions["chat"] = Services(
        config=app.config,
        store=store,
        writer=writer,
        presence=presence,
        announcer=announcer,
        stats=Stats(),
        limiter=RateLimiter.from_config(app.config, stalls=_watched_stalls(app.config, runtime)),
        room_creation=Quotas.for_room_creation(app.config),
        close_connection=lambda eio_sid: close_connection(engine, eio_sid),
        transport_status=transport_status,
        run_blocking=runtime.run_blocking,
        identities=Identities(store, writer, runtime, reserve_for),
        reclaims=nicknames.Reclaims(
            presence, OrdersChannel(link, RECLAIM_ORDERS) if link is not None else None
        ),
        pictures=_pictures(app.config, store, writer, runtime),
    )


def _pictures(config, store, writer, runtime):
    """Uploads of pictures within the configured limits."""
    limits = (
        config["PICTURE_MAX_BYTES"],
        config["PICTURE_MAX_PIXELS"],
        config["PICTURE_READ_SECONDS"],
    )
    return Pictures(store, writer, runtime, limits, Quotas.for_picture_uploads(config))


def _watched_stalls(config, runtime):
    """The process's stall watch, started with the first app that limits rates."""
    global _stall_watch
    if config["RATE_LIMIT"] and _stall_watch is None:
        _stall_watch = StallWatch()
        runtime.spawn(_stall_watch.run, runtime.sleep)
    return _stall_watch


def _open_store(config, runtime):
    """The history store the configuration names, its schema brought up to date, or
    StartupError when it cannot be opened."""
    database = config["DATABASE"]
    try:
        store = history.open_store(
            database,
            synchronous=config["DATABASE_SYNCHRONOUS"],
            pool_size=config["DATABASE_POOL_SIZE"],
            on_event_loop=runtime.async_mode == "eventlet",
        )
    except Exception as error:
        raise StartupError(f"cannot open the database {history.shown(database)}: {error}") from None
    for migration in store.upgraded:
        logger.info("history schema upgraded in %s: %s", history.shown(database), migration)
    return store


def _shared_figures(app, link):
    """The operators' figures over every process sharing the Redis queue; None without one."""
    if link is None:
        return None
    chat = app.extensions["chat"]
    return SharedFigures(link, chat.stats, chat.presence, app.config["ADMIN_SAMPLE_INTERVAL"])


def _kick_orders(app, link):
    """The channel that carries kicks to every process, when they share a Redis queue."""
    if link is not None:
        return OrdersChannel(link, KICK_ORDERS)
    if app.config["MESSAGE_QUEUE"]:
        logger.warning("kicks reach only this process's sockets with a non-Redis queue")
    return None
