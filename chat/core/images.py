"""Pictures people send: only real JPEG, PNG, GIF and WebP images, decoded by Pillow with an
explicit list of formats, checked for size and pixels before they are decoded, re-encoded so
that nothing but the picture is kept (no EXIF, no GPS position, no comment, no trailing
bytes), and given a thumbnail. A file that only claims to be an image (HTML, SVG, a script)
is refused.

Decoding is CPU work: callers run `process` off the event loop.
"""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

# What Pillow may decode, and the type each is served with; nothing else is even tried.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
THUMBNAIL_BOX = (480, 480)
THUMBNAIL_FORMAT = "WEBP"
MAX_FRAMES = 300
JPEG_QUALITY = 88
# A picture's name (`Encoded.digest`): the SHA-256 of its re-encoded bytes, in hex.
NAME = re.compile(r"[0-9a-f]{64}")


class ImageRefused(ValueError):
    """A file that will not be accepted as a picture; the message says why."""


class NotAnImage(ImageRefused):
    """A file that is no JPEG, PNG, GIF or WebP image, whatever it claims."""


class ImageTooLarge(ImageRefused):
    """A picture above the limits: too many bytes, pixels or frames."""


@dataclass(frozen=True)
class Encoded:
    """One stored form of a picture: its bytes, their type, and a name made from them."""

    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def digest(self):
        """The SHA-256 of the bytes: the same picture always gets the same name."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Picture:
    """A picture as it is kept and served: the re-encoded image and its thumbnail."""

    image: Encoded
    thumbnail: Encoded


def process(data, max_bytes, max_pixels):
    """The picture in data, re-encoded with a thumbnail; ImageRefused when it is none."""
    if len(data) > max_bytes:
        raise ImageTooLarge(too_many_bytes(max_bytes))
    with _opened(data) as image:
        _check_size(image, max_pixels)
        return Picture(image=_reencoded(image), thumbnail=_thumbnail(image))


def _opened(data):
    """The image Pillow finds in data, among the allowed formats only (header read only)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge("The image has too many pixels.") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise NotAnImage("That file is not a JPEG, PNG, GIF or WebP image.") from None


def _check_size(image, max_pixels):
    """Refuse, before decoding, an image whose pixels (every frame's) pass the limit."""
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES:
        raise ImageTooLarge(f"The image has more than {MAX_FRAMES} frames.")
    if image.width * image.height * frames > max_pixels:
        raise ImageTooLarge(
            f"The image has too many pixels ({image.width} × {image.height}"
            f"{f' × {frames} frames' if frames > 1 else ''}); the limit is "
            f"{max_pixels / 1e6:g} million."
        )


def _reencoded(image):
    """The image decoded and encoded again in its own format, upright, without metadata."""
    image_format = image.format
    try:
        frames = [_upright(frame.copy()) for frame in ImageSequence.Iterator(image)]
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ImageRefused("The image is damaged and cannot be read.") from None
    output = io.BytesIO()
    first = frames[0]
    options = _save_options(image_format, image, len(frames))
    if len(frames) > 1:
        first.save(output, image_format, save_all=True, append_images=frames[1:], **options)
    else:
        first.save(output, image_format, **options)
    return Encoded(output.getvalue(), FORMATS[image_format], first.width, first.height)


def _upright(frame):
    """A frame turned the way its EXIF orientation says, since the EXIF itself is dropped."""
    upright = ImageOps.exif_transpose(frame)
    upright.info.pop("exif", None)
    return upright


def _save_options(image_format, image, frames):
    """Encoder settings per format; only what shapes the picture is carried over."""
    if image_format == "JPEG":
        return {"quality": JPEG_QUALITY, "optimize": True}
    if image_format == "PNG":
        return {"optimize": True}
    if frames > 1:
        return {"duration": image.info.get("duration", 100), "loop": image.info.get("loop", 0)}
    return {}


def _thumbnail(image):
    """A small WebP of the first frame, to show in the conversation."""
    image.seek(0)
    thumbnail = _upright(image.copy())
    thumbnail = thumbnail.convert("RGBA" if _has_alpha(thumbnail) else "RGB")
    thumbnail.thumbnail(THUMBNAIL_BOX)
    output = io.BytesIO()
    thumbnail.save(output, THUMBNAIL_FORMAT, quality=80)
    content_type = FORMATS[THUMBNAIL_FORMAT]
    return Encoded(output.getvalue(), content_type, thumbnail.width, thumbnail.height)


def _has_alpha(image):
    """Whether the image has transparency to keep."""
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def too_many_bytes(max_bytes):
    """Why a file above the size limit is refused."""
    return f"The image is larger than {max_bytes / 1_000_000:g} MB."
