"""The floor: our server's stack with the reference's handlers and nothing else.

gunicorn's eventlet worker, Flask, Flask-SocketIO, python-socketio and Engine.IO, with our
transport (the fast path, the packet guards, the room index, declined compression) set up as
the chat app sets them up, but handlers that do only what bench/reference/server.js does:
no history, no presence, no checks beyond the reference's. What it costs against the
reference is what the stack costs; what ours costs against it is what the chat adds.
"""

import itertools
import re
import time

from flask import request
from flask_socketio import ConnectionRefusedError, SocketIO, emit, join_room, rooms

from chat import transport
from chat.config import Config
from chat.realtime.contexts import SOCKETIO_PATH, ChatFlask
from chat.realtime.socket_rooms import LocalManager
from chat.runtime import detected_async_mode
from chat.transport.compression import DeclineCompression

NICK_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,32}")

app = ChatFlask(__name__)
socketio = SocketIO(
    app,
    async_mode=detected_async_mode(),
    path=SOCKETIO_PATH,
    max_http_buffer_size=Config.MAX_HTTP_BUFFER_SIZE,
    ping_interval=Config.PING_INTERVAL,
    ping_timeout=Config.PING_TIMEOUT,
    serializer=transport.CheckedPacket,
    client_manager=LocalManager(),
)
transport.harden(socketio.server, True, Config.OPENING_SESSIONS_PER_ADDRESS)
app.wsgi_app = DeclineCompression(app.wsgi_app)
nicks = {}  # by sid
held = set()
message_ids = itertools.count(1)


@app.get("/")
def index():
    """Answer the bench's readiness check."""
    return "floor chat server\n"


@socketio.on("connect")
def connect(auth=None):
    """Admit a well-formed nickname nobody connected holds."""
    nick = auth.get("nick") if isinstance(auth, dict) else None
    if not isinstance(nick, str) or not NICK_PATTERN.fullmatch(nick):
        raise ConnectionRefusedError("invalid nickname")
    if nick in held:
        raise ConnectionRefusedError("nickname already in use")
    nicks[request.sid] = nick
    held.add(nick)


@socketio.on("join")
def join(payload):
    """Enter a room; the ack lists no members and no history, as the reference's does."""
    room = payload.get("room") if isinstance(payload, dict) else None
    if not isinstance(room, str) or not room:
        return {"ok": False, "error": "invalid room"}
    join_room(room)
    return {"ok": True, "room": room, "members": [], "history": []}


@socketio.on("chat message")
def chat_message(payload):
    """Pass a message to the room's others and ack it, storing nothing."""
    room = payload.get("room") if isinstance(payload, dict) else None
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str) or room not in rooms():
        return {"ok": False, "error": "not in room"}
    message = {"id": next(message_ids), "room": room, "nick": nicks[request.sid], "text": text}
    message["ts"] = time.time()
    emit("chat message", message, to=room, include_self=False)
    return {"ok": True, "id": message["id"], "ts": message["ts"]}


@socketio.on("disconnect")
def disconnect(*_reason):
    """Free the nickname."""
    held.discard(nicks.pop(request.sid, None))
