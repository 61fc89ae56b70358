"""The layers of chat/ (docs/architecture.md): what each may import, checked on the source."""

import ast

import pytest
from servers import ROOT

PACKAGE = ROOT / "chat"
# What each layer may import from chat/, besides itself; the factory (chat/__init__.py) and
# the wiring modules beside it may import anything.
ALLOWED = {
    "core": set(),
    "cluster": {"core"},
    "transport": set(),
    "realtime": {"core", "cluster", "extensions", "services"},
    "web": {"core", "realtime", "extensions", "services"},
}
# Libraries a layer must not know about.
FORBIDDEN_LIBRARIES = {
    "core": {"flask", "flask_socketio", "socketio", "engineio", "eventlet", "redis", "werkzeug"},
    # socketio for one class: the Redis message queue is a python-socketio client manager
    # (chat/cluster/client_manager.py), the extension point python-socketio offers for it.
    "cluster": {"flask", "flask_socketio", "engineio", "eventlet"},
    "transport": {"flask", "flask_socketio"},
    "realtime": {"eventlet"},
    "web": {"eventlet", "socketio", "engineio"},
}


def modules():
    """(dotted name, path) of every module under chat/."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def imported(name, path):
    """The absolute names a module imports, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def layer_of(name):
    """The layer a chat module belongs to, or None for the factory and wiring modules."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else None


LAYERED = [(name, path) for name, path in modules() if layer_of(name) in ALLOWED]


@pytest.mark.parametrize(("name", "path"), LAYERED, ids=[name for name, _ in LAYERED])
def test_each_module_imports_only_the_layers_below_it(name, path):
    layer = layer_of(name)
    allowed = ALLOWED[layer] | {layer}
    wrong = set()
    for target in imported(name, path):
        parts = target.split(".")
        upwards = parts[0] == "chat" and len(parts) > 1 and parts[1] not in allowed
        if upwards or parts[0] in FORBIDDEN_LIBRARIES[layer]:
            wrong.add(target)
    assert not wrong, f"{name} ({layer}) imports {sorted(wrong)}"


def test_only_the_fast_path_the_websocket_guard_and_the_entry_points_import_eventlet():
    importers = {
        name
        for name, path in modules()
        if any(target.split(".")[0] == "eventlet" for target in imported(name, path))
    }
    assert importers <= {
        name for name, _ in modules() if name.startswith("chat.transport.fastpath")
    } | {"chat.transport.websocket_guard"}


@pytest.mark.parametrize("document", ["docs/architecture.md", "README.md"])
def test_every_module_is_named_in_the_module_maps(document):
    text = (ROOT / document).read_text()
    missing = [
        str(path.relative_to(ROOT))
        for _, path in modules()
        if path.name != "__init__.py" and not _named(path.relative_to(ROOT), text)
    ]
    assert not missing, f"{document} does not name {missing}"


def _named(path, text):
    """Whether a map names a module by its path, or by its name within its folder's entry."""
    return str(path) in text or f"`{path.parent}/` (" in text and f"`{path.name}`" in text
