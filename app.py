"""The entry point: `python app.py`, `gunicorn -k eventlet -w 1 app:app`, or `flask run`.

`python app.py` serves with eventlet, so it patches the standard library before anything
else imports it; gunicorn's eventlet worker does the same itself; `flask run` uses threads.
"""

import os
import sys
import warnings

if __name__ == "__main__":
    # Eventlet announces its deprecation on import; that is noise to someone starting a server.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet
    import eventlet.wsgi

    eventlet.monkey_patch()

from chat import StartupError, create_app  # noqa: E402

try:
    app = create_app()
except StartupError as error:
    if __name__ != "__main__":
        raise
    sys.exit(f"Cannot start the chat: {error}.")


def serve(host, port):
    """Serve with eventlet's own server until Ctrl+C, or exit with one line saying why not."""
    try:
        listener = eventlet.listen((host, port))
    except OSError as error:
        sys.exit(
            f"Cannot listen on {host}:{port}: {error.strerror}. "
            "Stop whatever uses it, or choose another port with PORT=..."
        )
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    print(f"Chat is running: open http://{shown}:{port}/ in a browser.", flush=True)
    print("Press Ctrl+C to stop it.", flush=True)
    try:
        eventlet.wsgi.server(listener, app, log_output=True)
    except KeyboardInterrupt:
        print("Stopped.")


if __name__ == "__main__":
    serve(os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000")))
