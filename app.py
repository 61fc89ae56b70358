"""The entry point: `python app.py`, `gunicorn -k eventlet -w 1 app:app`, or `flask run`.

`python app.py` serves with eventlet, so it patches the standard library before anything
else imports it; gunicorn's eventlet worker does the same itself; `flask run` uses threads.
"""

import os
import warnings

if __name__ == "__main__":
    # Eventlet announces its deprecation on import; that is noise to someone starting a server.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()

from chat import create_app  # noqa: E402
from chat.extensions import socketio  # noqa: E402

app = create_app()

if __name__ == "__main__":
    socketio.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "5000")),
        log_output=True,
    )
