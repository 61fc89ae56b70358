"""gunicorn settings for the floor: the repository's own (one eventlet worker, its connection
limit and collector thresholds), less the hand-over of clients on SIGTERM, which needs the
chat app's services."""

import runpy
from pathlib import Path

_repository = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
_left_out = ("post_worker_init",)
globals().update(
    {
        name: value
        for name, value in _repository.items()
        if not name.startswith("__") and name not in _left_out
    }
)
