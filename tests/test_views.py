"""The form and chat pages through the Flask test client."""

import re

import pytest

from chat import create_app
from chat.extensions import socketio


def join(client, nickname="alice", room="lobby"):
    return client.post("/", data={"nickname": nickname, "room": room})


def field_error(response, field):
    match = re.search(rf'id="{field}-error" role="alert">([^<]*)<', response.get_data(as_text=True))
    return match.group(1) if match else ""


def test_front_page_shows_the_form(client):
    page = client.get("/").get_data(as_text=True)
    assert 'name="nickname"' in page and 'name="room"' in page


def test_a_valid_submit_opens_the_chat_page_for_that_room(client):
    response = join(client, " Alice ", "Lobby")
    assert response.status_code == 302 and response.headers["Location"] == "/chat"
    page = client.get("/chat").get_data(as_text=True)
    assert 'data-nick="Alice"' in page and 'data-room="lobby"' in page


@pytest.mark.parametrize(
    ("nickname", "room", "field", "message"),
    [
        ("", "lobby", "nickname", "Nickname is required."),
        ("x" * 33, "lobby", "nickname", "at most 32 characters"),
        ("bad nick!", "lobby", "nickname", "may only contain"),
        ("alice", "", "room", "Room is required."),
        ("alice", "r" * 41, "room", "at most 40 characters"),
        ("alice", "a/b", "room", "may only contain"),
    ],
)
def test_invalid_input_is_explained_next_to_its_field(client, nickname, room, field, message):
    response = join(client, nickname, room)
    assert response.status_code == 200
    assert message in field_error(response, field)


def test_a_nickname_used_by_a_connected_user_is_refused_case_insensitively(client, connect):
    connect("Alice")
    response = join(client, "ALICE")
    assert "in use" in field_error(response, "nickname")


def test_the_same_browser_may_keep_its_own_nickname(app, client):
    join(client, "alice")
    socket = socketio.test_client(app, flask_test_client=client)
    assert socket.is_connected()
    assert join(client, "alice").status_code == 302


def test_the_room_field_offers_existing_rooms_with_member_counts(client, joined):
    joined("bob", "games")
    page = client.get("/").get_data(as_text=True)
    assert '<option value="games">' in page
    assert "1 online" in page


def test_the_chat_page_needs_a_nickname_first(client):
    response = client.get("/chat")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_out_forgets_the_nickname(client):
    join(client)
    client.post("/leave")
    assert client.get("/chat").status_code == 302


def test_signing_out_closes_that_browsers_sockets_before_the_form_counts_the_rooms(
    app, client, joined
):
    join(client, "alice")
    socket = socketio.test_client(app, flask_test_client=client)
    assert socket.emit("join", {"room": "games"}, callback=True)["ok"]
    other_browser = joined("bob", "games")

    page = client.post("/leave", follow_redirects=True).get_data(as_text=True)
    assert not socket.is_connected()
    assert "1 online" in page
    assert other_browser.is_connected()


def test_the_socket_uses_the_nickname_from_the_form(app, client):
    join(client, "alice")
    socket = socketio.test_client(app, flask_test_client=client)
    ack = socket.emit("join", {"room": "lobby"}, callback=True)
    assert ack["members"] == ["alice"]


def test_the_form_requires_a_csrf_token(tmp_path):
    app = create_app({"SECRET_KEY": "t", "DATABASE": str(tmp_path / "db.sqlite3")})
    response = app.test_client().post("/", data={"nickname": "alice", "room": "lobby"})
    assert response.status_code == 400
    app.extensions["chat"].store.close()


def test_every_page_sends_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_session_cookie_is_httponly_and_samesite(client):
    cookie = join(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_when_the_request_came_over_tls(client):
    cookie = client.post(
        "/", data={"nickname": "alice", "room": "lobby"}, base_url="https://localhost"
    ).headers["Set-Cookie"]
    assert "Secure" in cookie


def test_without_a_configured_secret_one_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    config = {"DATABASE": str(tmp_path / "db.sqlite3")}
    first = create_app(config)
    second = create_app(config)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    for app in (first, second):
        app.extensions["chat"].store.close()
