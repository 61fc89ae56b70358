"""Socket.IO events run in request contexts that skip URL routing; pages are routed as ever."""

from flask import request

from chat.realtime.contexts import SOCKETIO_PATH


def test_an_event_context_on_the_socketio_path_is_not_routed(app):
    with app.test_request_context(f"/{SOCKETIO_PATH}/?EIO=4&transport=websocket") as context:
        assert context.url_adapter is None
        assert request.routing_exception is None
        assert request.url_rule is None


def test_a_page_context_is_routed_to_its_view(app):
    with app.test_request_context("/") as context:
        assert context.url_adapter is not None
        assert request.url_rule.endpoint == "chat.index"


def test_the_socketio_path_without_its_slash_is_still_an_ordinary_not_found(client):
    assert client.get(f"/{SOCKETIO_PATH}").status_code == 404
    assert client.get(f"/{SOCKETIO_PATH}x/").status_code == 404


def test_socketio_is_served_on_the_path_the_contexts_skip(client):
    response = client.get(f"/{SOCKETIO_PATH}/?EIO=4&transport=polling")
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith('0{"sid":')
