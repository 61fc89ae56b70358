"""Pictures: only real images are taken, re-encoded without their metadata, with a thumbnail;
hostile files are refused with a reason a person can act on."""

import io
import struct
import zlib

import pytest
from picture_files import encoded, plain
from PIL import Image

from chat.core.images import ImageRefused, process

MB = 1_000_000
LIMITS = {"max_bytes": 10 * MB, "max_pixels": 40_000_000}


def photo_with_gps():
    """A JPEG whose EXIF holds a GPS position and says to turn it (orientation 6)."""
    image = Image.new("RGB", (64, 32), "steelblue")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotated 90 degrees
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    return encoded(image, "JPEG", exif=exif.tobytes())


def opened(data):
    return Image.open(io.BytesIO(data))


def test_a_photo_loses_its_gps_position_and_stands_upright():
    picture = process(photo_with_gps(), **LIMITS)
    image = opened(picture.image.data)
    assert image.format == "JPEG" and picture.image.content_type == "image/jpeg"
    assert not image.getexif() and "exif" not in image.info
    assert (image.width, image.height) == (32, 64)


def test_a_transparent_png_keeps_its_transparency_in_the_thumbnail():
    data = encoded(Image.new("RGBA", (1200, 600), (255, 0, 0, 0)), "PNG")
    picture = process(data, **LIMITS)
    thumbnail = opened(picture.thumbnail.data)
    assert thumbnail.format == "WEBP" and thumbnail.mode == "RGBA"
    assert (thumbnail.width, thumbnail.height) == (480, 240)
    assert opened(picture.image.data).size == (1200, 600)


def test_an_animated_gif_stays_animated():
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "green", "blue")]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80)
    image = opened(process(data, **LIMITS).image.data)
    assert image.format == "GIF" and image.n_frames == 3


def test_a_webp_is_taken():
    data = plain(10, 10, "green", "WEBP")
    assert process(data, **LIMITS).image.content_type == "image/webp"


def test_the_same_picture_gets_the_same_name():
    data = plain(10, 10, "green", "PNG")
    assert process(data, **LIMITS).image.digest == process(data, **LIMITS).image.digest


NOT_IMAGES = {
    "html": b"<!doctype html><script>alert(1)</script>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "empty": b"",
    "pdf": b"%PDF-1.4\n%...",
    "bmp": plain(4, 4, "black", "BMP"),
    "tiff": plain(4, 4, "black", "TIFF"),
}


@pytest.mark.parametrize("kind", NOT_IMAGES)
def test_a_file_that_is_not_an_allowed_image_is_refused(kind):
    with pytest.raises(ImageRefused, match="not a JPEG, PNG, GIF or WebP image"):
        process(NOT_IMAGES[kind], **LIMITS)


def test_a_gif_header_followed_by_html_is_refused():
    with pytest.raises(ImageRefused):
        process(b"GIF89a\x01\x00\x01\x00<html><script>alert(1)</script></html>", **LIMITS)


def test_markup_after_a_real_image_is_not_kept():
    data = plain(8, 8, "red", "PNG") + b"<script>alert(1)</script>"
    assert b"<script>" not in process(data, **LIMITS).image.data


def test_a_file_above_the_size_limit_is_refused_unread():
    with pytest.raises(ImageRefused, match="larger than 10 MB"):
        process(b"\x89PNG" + b"\0" * (10 * MB), **LIMITS)


def png_claiming(width, height):
    """A tiny PNG whose header claims width x height pixels: a decompression bomb's shape."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(10_000, 10_000), (60_000, 60_000)])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(size):
    with pytest.raises(ImageRefused, match="too many pixels"):
        process(png_claiming(*size), **LIMITS)
