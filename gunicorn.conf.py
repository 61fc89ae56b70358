"""gunicorn settings, read from the working directory (or with -c) for `gunicorn app:app`."""

import os
import warnings

# Eventlet announces its deprecation when the worker imports it; hide that noise in the logs.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

worker_class = "eventlet"
# Flask-SocketIO keeps a socket's state in the process that accepted it: one worker each,
# more processes go behind a sticky load balancer with a message queue.
workers = 1
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Each chat user holds one connection; gunicorn's default of 1000 caps the users per process.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "20000"))
# Short, so a stopping process tells its clients to reconnect elsewhere instead of holding them.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "5"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
