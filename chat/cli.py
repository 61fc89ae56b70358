"""The `flask chat ...` commands, for operating a running deployment from a shell."""

import click
import redis
from flask import current_app
from flask.cli import AppGroup

from .cluster.shared_presence import is_redis
from .core import names
from .core.store import shown
from .extensions import socketio
from .realtime import moderation, payloads
from .services import services

chat = AppGroup("chat", help="Operate the running chat servers.")


@chat.command("announce")
@click.argument("text")
@click.option("--room", help="Announce to this room only (default: every connected client).")
def announce(text, room):
    """Show TEXT to every connected client (or one room), through the message queue."""
    queue = current_app.config["MESSAGE_QUEUE"]
    if not queue:
        raise click.ClickException(
            "FLASK_MESSAGE_QUEUE is not set: without it a command cannot reach the servers' "
            "clients. Set it to the URL the servers use, e.g. redis://127.0.0.1:6379/0."
        )
    try:
        text = payloads.text({"text": text})
        room = names.room(room) if room is not None else None
    except (payloads.BadPayload, names.InvalidName) as error:
        raise click.BadParameter(str(error)) from None
    listening = _servers_listening(queue) if is_redis(queue) else None
    moderation.announce(text, room)
    audience = f"room '{room}'" if room else "everyone"
    servers = "" if listening is None else f" ({listening} server process(es) listening)"
    click.echo(f"Announced to {audience}{servers}: {text}")


def _servers_listening(url):
    """How many server processes subscribe to the Redis queue; fail if it cannot be reached.

    Checked first because the queue client only logs a failed publish.
    """
    channel = socketio.server.manager.channel
    try:
        [(_, count)] = redis.Redis.from_url(url, socket_timeout=5).pubsub_numsub(channel)
    except redis.RedisError as error:
        raise click.ClickException(f"Cannot reach FLASK_MESSAGE_QUEUE: {error}") from None
    return count


@chat.command("migrate")
def migrate():
    """Bring the history database's schema up to date, as every server does when it starts."""
    store = services().store
    where = shown(current_app.config["DATABASE"])
    for migration in store.upgraded:
        click.echo(f"Applied {migration} to {where}")
    click.echo(f"The history schema of {where} is at version {store.schema_version()}.")
