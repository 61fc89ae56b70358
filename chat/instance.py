"""The instance folder: where this deployment keeps its secret key and its SQLite history."""

import os
import secrets


class StartupError(RuntimeError):
    """The app cannot start; the message says why in one line a person can act on."""


def prepare(instance_path):
    """Create the instance folder if needed, or raise StartupError when it cannot be written."""
    try:
        os.makedirs(instance_path, exist_ok=True)
    except OSError as error:
        raise StartupError(
            f"cannot create the instance folder {instance_path}: {error.strerror}"
        ) from None
    if not os.access(instance_path, os.W_OK | os.X_OK):
        raise StartupError(f"the instance folder {instance_path} is not writable")


def secret_key(instance_path):
    """The secret key kept in the instance folder, generated on first use."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path) as file:
            return file.read().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise StartupError(f"cannot write the secret key to {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key
