"""The library versions the fast path was verified against: it serves on these only.

The fast path replaces parts of Engine.IO, python-socketio's packet dispatch, eventlet's
WebSocket and gunicorn's request handling through their private names (docs/upgrading.md
lists each one); another release may rename or reshape any of them without notice.
"""

from importlib import metadata

# The pins of requirements.txt (a test keeps the two equal). Change both only after
# docs/upgrading.md's checks have passed on the new versions.
VERIFIED = {
    "python-engineio": "4.15.1",
    "python-socketio": "5.18.1",
    "eventlet": "0.41.3",
    "gunicorn": "25.3.0",
}


def installed_version(name):
    """The installed version of a distribution, or "none" when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


def mismatches(version_of=installed_version):
    """'name installed (verified: version)' for each library installed at another version."""
    return [
        f"{name} {version_of(name)} (verified: {version})"
        for name, version in VERIFIED.items()
        if version_of(name) != version
    ]
