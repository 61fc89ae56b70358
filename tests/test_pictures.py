"""Pictures in the chat, in process on SQLite and PostgreSQL: uploaded over HTTP by the page (its
session's CSRF token) or by a programmatic client (its nickname and key), refused with a clear
JSON answer when they are no real picture or too big, served by name with safe headers, then
announced in a `chat message` or `direct message` and seen live, in history and in catch-up."""

import io
import re

import pytest
from picture_files import plain
from PIL import Image
from test_images import NOT_IMAGES, png_claiming

from chat import create_app
from chat.extensions import socketio

NAME = re.compile(r"[0-9a-f]{64}")


def png(width=300, height=200, colour="tomato"):
    """The bytes of a plain PNG picture."""
    return plain(width, height, colour)


@pytest.fixture
def settings():
    """Settings of the test's app beyond the usual; a test may change them first."""
    return {"RATE_LIMIT": 0}


@pytest.fixture
def app(database, settings):
    """An app with CSRF protection on, as deployed."""
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test", "DATABASE": database, "ANNOUNCE_INTERVAL": 0}
        | settings
    )
    yield app
    app.extensions["chat"].store.close()


def csrf_token(page):
    """The CSRF token a page holds."""
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page.get_data(as_text=True))[1]


class Browser:
    """A person on the page: a signed-in session, its socket, and its uploads."""

    def __init__(self, app, nick, room="lobby"):
        self.http = app.test_client()
        token = csrf_token(self.http.get("/"))
        signed_in = self.http.post("/", data={"nickname": nick, "room": room, "csrf_token": token})
        assert signed_in.status_code == 302
        self.token = csrf_token(self.http.get("/chat"))
        self.socket = socketio.test_client(app, flask_test_client=self.http)
        assert self.socket.emit("join", {"room": room}, callback=True)["ok"]
        self.socket.get_received()

    def upload(self, data, token=None, content_type="image/png"):
        """POST a file's bytes as the page does, with the session's CSRF token."""
        headers = {"X-CSRFToken": self.token if token is None else token}
        return self.http.post("/pictures", data=data, headers=headers, content_type=content_type)

    def send(self, **payload):
        """Send a chat message to the lobby; return the ack."""
        return self.socket.emit("chat message", {"room": "lobby", **payload}, callback=True)

    def received(self, event):
        """What arrived of one event since the last look."""
        return [item["args"][0] for item in self.socket.get_received() if item["name"] == event]


@pytest.fixture
def browser(app):
    opened = []

    def browser(nick):
        opened.append(Browser(app, nick))
        return opened[-1]

    yield browser
    for person in opened:
        if person.socket.is_connected():
            person.socket.disconnect()


def stored_pictures(app):
    """How many pictures the database holds."""
    return app.extensions["chat"].store._query("SELECT COUNT(*) FROM picture", ())[0][0]


# Uploading


def test_the_page_uploads_a_picture_and_is_answered_with_its_name_and_sizes(browser):
    alice = browser("alice")
    response = alice.upload(png(1000, 500))
    assert response.status_code == 201
    image = response.get_json()["image"]
    assert NAME.fullmatch(image["name"])
    assert image["url"] == f"/pictures/{image['name']}"
    assert (image["width"], image["height"]) == (1000, 500)
    assert image["thumbnail"] == {
        "url": f"/pictures/{image['name']}/thumbnail",
        "width": 480,
        "height": 240,
    }


def test_an_upload_without_the_sessions_csrf_token_is_refused(app, browser):
    alice = browser("alice")
    for token in ("", "forged"):
        response = alice.upload(png(), token=token)
        assert response.status_code == 403 and not response.get_json()["ok"]
        assert "CSRF" in response.get_json()["error"]
    assert stored_pictures(app) == 0


def test_an_upload_without_a_session_or_key_is_refused(app, client):
    response = client.post("/pictures", data=png(), content_type="image/png")
    assert response.status_code == 401
    assert response.get_json()["error"].startswith("Sign in on the form")


def test_a_client_uploads_with_its_nickname_and_key(app, person):
    person("bot", key="bot's key")
    response = app.test_client().post(
        "/pictures",
        data=png(),
        content_type="image/png",
        headers={"X-Chat-Nick": "bot", "X-Chat-Key": "bot's key"},
    )
    assert response.status_code == 201 and response.get_json()["ok"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Chat-Nick": "bot", "X-Chat-Key": "someone else's key"},
        {"X-Chat-Nick": "nobody", "X-Chat-Key": "a key"},
        {"X-Chat-Nick": "bot", "X-Chat-Key": "bad\x00key"},
        {"X-Chat-Nick": "not a nick!", "X-Chat-Key": "bot's key"},
    ],
    ids=["wrong key", "nickname reserved to nobody", "unprintable key", "invalid nickname"],
)
def test_a_client_without_its_nicknames_key_is_refused(app, person, headers):
    person("bot", key="bot's key")
    response = app.test_client().post(
        "/pictures", data=png(), content_type="image/png", headers=headers
    )
    assert response.status_code in (400, 403) and not response.get_json()["ok"]
    assert stored_pictures(app) == 0


# Hostile files: refused with a reason, and nothing stored


@pytest.mark.parametrize("kind", [kind for kind in NOT_IMAGES if NOT_IMAGES[kind]])
def test_a_file_that_is_no_allowed_image_is_refused_as_unsupported(app, browser, kind):
    response = browser("alice").upload(NOT_IMAGES[kind])
    assert response.status_code == 415
    assert response.get_json() == {
        "ok": False,
        "error": "That file is not a JPEG, PNG, GIF or WebP image.",
    }
    assert stored_pictures(app) == 0


def test_an_empty_upload_is_refused(app, browser):
    response = browser("alice").upload(b"")
    assert response.status_code in (411, 415) and not response.get_json()["ok"]
    assert stored_pictures(app) == 0


def test_html_behind_a_gif_header_is_refused(app, browser):
    polyglot = b"GIF89a\x01\x00\x01\x00<html><script>alert(1)</script></html>"
    response = browser("alice").upload(polyglot, content_type="image/gif")
    assert response.status_code in (415, 422) and not response.get_json()["ok"]
    assert stored_pictures(app) == 0


def test_a_script_appended_to_a_real_picture_is_not_kept(app, browser):
    response = browser("alice").upload(png() + b"<script>alert(1)</script>")
    image = response.get_json()["image"]
    assert b"<script>" not in app.test_client().get(image["url"]).data


def test_a_decompression_bomb_is_refused_before_it_is_decoded(app, browser):
    response = browser("alice").upload(png_claiming(60_000, 60_000))
    assert response.status_code == 413
    assert "too many pixels" in response.get_json()["error"]
    assert stored_pictures(app) == 0


@pytest.mark.parametrize("settings", [{"RATE_LIMIT": 0, "PICTURE_MAX_BYTES": 2000}])
def test_a_file_above_the_size_limit_is_refused_unread(app, browser):
    response = browser("alice").upload(b"\x89PNG" + b"\0" * 2000)
    assert response.status_code == 413
    assert response.get_json()["error"] == "The image is larger than 0.002 MB."
    assert stored_pictures(app) == 0


def test_a_form_instead_of_the_file_is_refused(browser):
    response = browser("alice").upload(b"a=b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


@pytest.mark.parametrize("settings", [{"PICTURE_RATE_LIMIT": 0.01, "PICTURE_RATE_BURST": 2}])
def test_uploads_beyond_the_persons_rate_are_refused_with_when_to_retry(browser):
    alice = browser("alice")
    assert [alice.upload(png()).status_code for _ in range(2)] == [201, 201]
    refused = alice.upload(png())
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "too fast" in refused.get_json()["error"]
    assert browser("bob").upload(png()).status_code == 201, "others are not held up"


def test_an_upload_the_database_cannot_take_is_refused_as_unavailable(app, browser, monkeypatch):
    alice = browser("alice")

    def failing(*_arguments):
        raise OSError("disk full")

    monkeypatch.setattr(app.extensions["chat"].store, "save_picture", failing)
    response = alice.upload(png())
    assert response.status_code == 503
    assert response.get_json()["error"].startswith("Pictures cannot be reached right now")


# Serving


def test_a_picture_is_served_by_its_name_with_safe_long_lived_headers(app, browser):
    image = browser("alice").upload(png()).get_json()["image"]
    response = app.test_client().get(image["url"])
    assert response.status_code == 200 and response.data == response.data
    assert response.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.data)).size == (300, 200)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"] == f'"{image["name"]}"'
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy


def test_a_thumbnail_is_served_as_webp_with_its_own_etag(app, browser):
    image = browser("alice").upload(png(1000, 500)).get_json()["image"]
    response = app.test_client().get(image["thumbnail"]["url"])
    assert response.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(response.data)).size == (480, 240)
    assert response.headers["ETag"] == f'"{image["name"]}-thumbnail"'
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_browser_holding_the_picture_is_answered_not_modified(app, browser):
    image = browser("alice").upload(png()).get_json()["image"]
    etag = f'"{image["name"]}"'
    response = app.test_client().get(image["url"], headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.data == b""


@pytest.mark.parametrize("name", ["0" * 64, "not-a-name", "A" * 64, "0" * 64 + "/thumbnail"])
def test_an_unknown_name_is_not_found(client, name):
    response = client.get(f"/pictures/{name}")
    assert response.status_code == 404 and response.get_json()["ok"] is False


# Announcing


def test_a_picture_announced_in_a_room_reaches_its_others_and_history(browser):
    alice, bob = browser("alice"), browser("bob")
    image = alice.upload(png()).get_json()["image"]
    ack = alice.send(text="my cat", image=image["name"], client_id="c-1")
    assert ack["ok"]
    [live] = bob.received("chat message")
    assert live["image"] == image and live["text"] == "my cat"
    history = bob.socket.emit("join", {"room": "lobby"}, callback=True)["history"]
    assert history[-1]["image"] == image
    caught_up = bob.socket.emit("history", {"room": "lobby", "after_seq": 0}, callback=True)
    assert caught_up["messages"][-1]["image"] == image


def test_a_picture_may_be_sent_without_text_but_a_message_needs_one_or_the_other(browser):
    alice, bob = browser("alice"), browser("bob")
    image = alice.upload(png()).get_json()["image"]
    assert alice.send(image=image["name"])["ok"]
    assert bob.received("chat message")[0]["text"] == ""
    assert alice.send(text="  ") == {"ok": False, "error": "Message text is empty."}


@pytest.mark.parametrize(
    "name, error",
    [
        ("0" * 64, "not one you uploaded"),
        ("../etc/passwd", "must be the name"),
        (42, "must be text"),
    ],
)
def test_an_announce_of_no_picture_of_ones_own_is_refused(browser, name, error):
    alice, bob = browser("alice"), browser("bob")
    ack = alice.send(text="look", image=name)
    assert not ack["ok"] and error in ack["error"]
    assert bob.received("chat message") == []


def test_nobody_announces_a_picture_someone_else_uploaded(browser):
    alice, bob = browser("alice"), browser("bob")
    image = alice.upload(png()).get_json()["image"]
    ack = bob.send(text="mine now", image=image["name"])
    assert ack == {
        "ok": False,
        "error": "That picture is not one you uploaded: upload it first, then send it.",
    }


def test_a_picture_sent_directly_reaches_the_other_and_the_conversation(browser):
    alice, bob = browser("alice"), browser("bob")
    image = alice.upload(png()).get_json()["image"]
    ack = alice.socket.emit("direct message", {"to": "bob", "image": image["name"]}, callback=True)
    assert ack["ok"]
    [live] = bob.received("direct message")
    assert live["image"] == image and live["from"] == "alice"
    history = bob.socket.emit("direct history", {"with": "alice"}, callback=True)
    assert history["messages"][-1]["image"] == image


def test_a_message_its_author_deletes_takes_its_picture_out_of_history_and_service(app, browser):
    alice, bob = browser("alice"), browser("bob")
    image = alice.upload(png()).get_json()["image"]
    ack = alice.send(text="oops", image=image["name"])
    assert alice.socket.emit("delete message", {"id": ack["id"]}, callback=True)["ok"]
    history = bob.socket.emit("join", {"room": "lobby"}, callback=True)["history"]
    assert all("image" not in message for message in history)
    for url in (image["url"], image["thumbnail"]["url"]):
        assert app.test_client().get(url).status_code == 404
    again = alice.send(text="again", image=image["name"])
    assert not again["ok"], "a deleted picture cannot be announced again"


def test_a_picture_stays_until_the_last_message_showing_it_is_deleted(app, browser):
    alice = browser("alice")
    image = alice.upload(png()).get_json()["image"]
    first = alice.send(text="once", image=image["name"])
    second = alice.send(text="twice", image=image["name"])
    assert alice.socket.emit("delete message", {"id": first["id"]}, callback=True)["ok"]
    assert app.test_client().get(image["url"]).status_code == 200
    assert alice.socket.emit("delete message", {"id": second["id"]}, callback=True)["ok"]
    assert app.test_client().get(image["url"]).status_code == 404


OPERATOR_TOKEN = "operators-only-0123456789"


@pytest.mark.parametrize("settings", [{"RATE_LIMIT": 0, "ADMIN_TOKEN": OPERATOR_TOKEN}])
def test_a_message_an_operator_removes_takes_its_picture_out_of_history(app, browser):
    alice, bob = browser("alice"), browser("bob")
    image = alice.upload(png()).get_json()["image"]
    ack = alice.send(text="unwelcome", image=image["name"])
    operator = socketio.test_client(app, namespace="/admin", auth={"token": OPERATOR_TOKEN})
    removal = operator.emit("remove", {"id": ack["id"]}, namespace="/admin", callback=True)
    assert removal["ok"]
    assert {"id": ack["id"], "room": "lobby"} in bob.received("message removed")
    history = bob.socket.emit("join", {"room": "lobby"}, callback=True)["history"]
    assert all("image" not in message for message in history)
    assert app.test_client().get(image["url"]).status_code == 404
    operator.disconnect(namespace="/admin")
