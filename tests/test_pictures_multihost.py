"""Pictures across two hosts behind the shipped balancer, sharing only Redis and PostgreSQL: a
picture uploaded through one host is announced and served through the other, live and in
history."""

import io

import pytest
import requests
from deploy_servers import balanced_site, roaming_users
from picture_files import plain
from PIL import Image

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]


@pytest.fixture
def hosts(tmp_path, owned_database):
    """Redis, the two hosts on one PostgreSQL database, and Apache balancing them."""
    with balanced_site(tmp_path, {"FLASK_RATE_LIMIT": "0"}, database=owned_database) as site:
        yield site


@pytest.fixture
def users(hosts):
    with roaming_users(hosts.url) as user:
        yield user


def jpeg(width, height):
    return plain(width, height, "crimson", "JPEG")


def test_a_picture_uploaded_through_one_host_is_announced_and_served_through_the_other(
    hosts, users
):
    alice = users("alice", route=2)
    bob = users("bob", route=1)
    for person in (alice, bob):
        person.join("lobby")
    upload = requests.post(
        f"{hosts.one.url}/pictures",
        data=jpeg(800, 600),
        headers={
            "Content-Type": "image/jpeg",
            "X-Chat-Nick": "alice",
            "X-Chat-Key": "key-of-alice",
        },
        timeout=30,
    )
    assert upload.status_code == 201, upload.text
    image = upload.json()["image"]

    ack = alice.client.call(
        "chat message", {"room": "lobby", "text": "from host two", "image": image["name"]}
    )
    assert ack["ok"], ack
    bob.wait_until(lambda: bob.texts("lobby") == ["from host two"], what="alice's picture")
    [live] = bob.events("chat message")
    assert live["image"] == image

    full = requests.get(hosts.two.url + image["url"], timeout=10)
    assert full.status_code == 200 and full.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(full.content)).size == (800, 600)
    balanced = requests.get(hosts.url + image["thumbnail"]["url"], timeout=10, verify=False)
    assert balanced.headers["Content-Type"] == "image/webp"
    assert balanced.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    history = bob.client.call("join", {"room": "lobby"}, timeout=10)["history"]
    assert history[-1]["image"] == image
