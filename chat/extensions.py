"""Extension objects created unbound, so any module can import them without a cycle."""

from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

socketio = SocketIO()
csrf = CSRFProtect()
