"""Pictures in real browsers against the real server: pasted, picked and dropped, uploaded
behind a progress bar, sent, seen as a thumbnail by the others, opened full size and closed
with Escape; and every failed upload shown."""

import base64
import os

import pytest
from picture_files import plain
from playwright.sync_api import expect

DELIVERY_MS = 5000
MAX_BYTES = 200_000


@pytest.fixture(scope="module")
def server_env():
    """A small size limit, and two uploads per person before the rate limit holds."""
    return {
        "FLASK_PICTURE_MAX_BYTES": str(MAX_BYTES),
        "FLASK_PICTURE_RATE_LIMIT": "0.01",
        "FLASK_PICTURE_RATE_BURST": "2",
    }


def png_base64(width, height, colour):
    """A PNG picture's bytes, in base64 for the page's script."""
    return base64.b64encode(plain(width, height, colour)).decode()


# Pastes a file into the message box as a browser does with a copied image.
PASTE = """([data, type, name]) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type }));
    const box = document.getElementById('message');
    box.focus();
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true,
                                                     cancelable: true }));
}"""


def paste(chat, data, content_type="image/png", name="screenshot.png"):
    """Paste a file into the message box."""
    chat.page.evaluate(PASTE, [data, content_type, name])


def test_a_pasted_picture_is_sent_and_the_other_opens_it_full_size(person):
    alice = person("alicep", "rp-photos")
    bob = person("bobp", "rp-photos")

    paste(alice, png_base64(1200, 600, "seagreen"))
    expect(alice.page.locator(".picture-tray .picture-preview")).to_be_visible()
    alice.send("the view from here")

    sent = bob.message("rp-photos", "the view from here")
    thumbnail = sent.locator("img.picture-thumbnail")
    expect(thumbnail).to_be_visible(timeout=DELIVERY_MS)
    expect(thumbnail).to_have_attribute("width", "480")
    expect(thumbnail).to_have_attribute("height", "240")
    assert thumbnail.evaluate("(image) => image.complete && image.naturalWidth") == 480
    expect(alice.page.locator(".picture-tray")).to_be_hidden()

    opener = sent.locator("button.picture-open")
    opener.click()
    view = bob.page.locator("dialog.picture-view")
    expect(view).to_be_visible()
    full = view.locator("img.picture-full")
    expect(full).to_have_js_property("naturalWidth", 1200)
    bob.page.keyboard.press("Escape")
    expect(view).to_be_hidden()
    expect(opener).to_be_focused()


def test_a_picture_sent_in_a_direct_conversation_reaches_only_the_other(person):
    alice = person("alicedp", "rp-direct")
    bob = person("bobdp", "rp-direct")
    carol = person("caroldp", "rp-direct")

    alice.message_to("bobdp")
    paste(alice, png_base64(600, 400, "navy"))
    expect(alice.page.locator(".picture-tray .picture-preview")).to_be_visible()
    alice.send("just for you")

    bob.listed_conversation("alicedp").click()
    bob.expect_conversation_open("alicedp")
    sent = bob.conversation("alicedp").locator("li.message").filter(has_text="just for you")
    thumbnail = sent.locator("img.picture-thumbnail")
    expect(thumbnail).to_be_visible(timeout=DELIVERY_MS)
    expect(thumbnail).to_have_attribute("width", "480")
    sent.locator("button.picture-open").click()
    expect(bob.page.locator("dialog.picture-view img.picture-full")).to_have_js_property(
        "naturalWidth", 600
    )
    expect(carol.page.locator("img.picture-thumbnail")).to_have_count(0)


def test_the_close_button_closes_the_full_size_view(person):
    alice = person("alicepc", "rp-close")
    paste(alice, png_base64(300, 200, "orange"))
    expect(alice.page.locator(".picture-tray .picture-preview")).to_be_visible()
    alice.message_box.press("Enter")
    opener = alice.messages("rp-close").locator("button.picture-open")
    expect(opener).to_be_visible()
    opener.click()
    alice.page.locator("dialog.picture-view .picture-close").click()
    expect(alice.page.locator("dialog.picture-view")).to_be_hidden()
    expect(opener).to_be_focused()


def test_a_picture_picked_with_the_button_goes_with_the_message(person):
    alice = person("alicepk", "rp-pick")
    bob = person("bobpk", "rp-pick")
    with alice.page.expect_file_chooser() as chooser:
        alice.page.get_by_role("button", name="Add a picture").click()
    chooser.value.set_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": plain(64, 64, "navy", "JPEG")}
    )
    expect(alice.page.locator(".picture-tray .picture-preview")).to_be_visible()
    alice.send("picked")
    thumbnail = bob.message("rp-pick", "picked").locator("img.picture-thumbnail")
    expect(thumbnail).to_have_attribute("width", "64", timeout=DELIVERY_MS)


def test_a_file_that_only_claims_to_be_a_picture_is_refused_on_the_page(person):
    alice = person("alicepx", "rp-hostile")
    html = base64.b64encode(b"<!doctype html><script>alert(1)</script>").decode()
    paste(alice, html, name="cat.png")
    error = alice.page.locator(".picture-error")
    expect(error).to_have_text("That file is not a JPEG, PNG, GIF or WebP image.")
    expect(alice.page.locator(".picture-tray")).to_be_hidden()


def test_a_picture_dropped_on_the_conversation_is_uploaded(person):
    alice = person("alicepd", "rp-drop")
    alice.page.evaluate(
        """(data) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
            const zone = document.querySelector('.conversation');
            for (const type of ['dragover', 'drop']) {
                zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true,
                                                         cancelable: true }));
            }
        }""",
        png_base64(100, 50, "purple"),
    )
    expect(alice.page.locator(".picture-tray .picture-preview")).to_be_visible()


def test_a_picture_above_the_size_limit_is_refused_before_it_is_sent(person):
    alice = person("alicepb", "rp-big")
    noise = base64.b64encode(os.urandom(MAX_BYTES + 1)).decode()
    paste(alice, noise, name="huge.png")
    expect(alice.page.locator(".picture-error")).to_have_text("The image is larger than 0.2 MB.")
    expect(alice.page.locator(".picture-tray")).to_be_hidden()


def test_uploading_too_fast_is_shown(person):
    alice = person("alicepr", "rp-rate")
    for colour in ("red", "green"):
        paste(alice, png_base64(20, 20, colour))
        expect(alice.page.locator(".picture-tray .picture-preview")).to_be_visible()
    paste(alice, png_base64(20, 20, "blue"))
    expect(alice.page.locator(".picture-error")).to_have_text(
        "You are sending pictures too fast; wait a moment and send again."
    )


def test_a_lost_upload_is_shown_and_nothing_is_sent(person):
    alice = person("alicepn", "rp-network")
    alice.page.route("**/pictures", lambda route: route.abort("connectionreset"))
    paste(alice, png_base64(20, 20, "gold"))
    expect(alice.page.locator(".picture-error")).to_have_text(
        "The picture could not be sent: no answer (check the network)."
    )
    alice.message_box.press("Enter")
    expect(alice.messages("rp-network")).to_have_count(0)


def test_an_upload_can_be_cancelled_while_it_runs(person):
    alice = person("alicepu", "rp-cancel")
    held = []
    alice.page.route("**/pictures", lambda route: held.append(route))
    paste(alice, png_base64(20, 20, "pink"))
    expect(alice.page.locator(".picture-progress")).to_be_visible()
    alice.page.get_by_role("button", name="Cancel the upload").click()
    expect(alice.page.locator(".picture-tray")).to_be_hidden()
    expect(alice.page.locator(".picture-error")).to_be_hidden()
    alice.message_box.press("Enter")
    expect(alice.messages("rp-cancel")).to_have_count(0)


PHONE = {"width": 360, "height": 740}


def test_on_a_phone_a_wide_picture_its_upload_and_its_full_view_fit_the_screen(person):
    alice = person("alicephone", "rp-phone", viewport=PHONE)
    paste(alice, png_base64(1600, 400, "slateblue"))
    expect(alice.page.locator(".picture-tray .picture-preview")).to_be_visible()
    alice.expect_to_fit(360)
    alice.message_box.press("Enter")
    opener = alice.messages("rp-phone").locator("button.picture-open")
    expect(opener.locator("img")).to_have_js_property("complete", True)
    alice.expect_to_fit(360)
    opener.click()
    full = alice.page.locator("dialog.picture-view img.picture-full")
    expect(full).to_have_js_property("naturalWidth", 1600)
    assert full.bounding_box()["width"] <= 360
    alice.page.keyboard.press("Escape")
    expect(alice.page.locator("dialog.picture-view")).to_be_hidden()
