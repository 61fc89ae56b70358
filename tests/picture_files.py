"""Picture files for the tests: the bytes of an image in a format Pillow writes."""

import io

from PIL import Image


def encoded(image, image_format, **options):
    """The bytes of image saved in image_format."""
    output = io.BytesIO()
    image.save(output, image_format, **options)
    return output.getvalue()


def plain(width, height, colour="teal", image_format="PNG"):
    """The bytes of a picture of one colour."""
    return encoded(Image.new("RGB", (width, height), colour), image_format)
