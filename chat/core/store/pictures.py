"""Pictures in the database, so that every host serves them (migration 0006): each stored once
under its name, the SHA-256 of its re-encoded bytes (chat/core/images.py), with its thumbnail,
and who uploaded it. A message shows a picture through its `image` column, which names it
with its sizes. The SQL is the backends' shared dialect."""

from dataclasses import astuple, dataclass

# Where the pages find pictures: `<PATH>/<name>` and `<PATH>/<name>/thumbnail`.
PATH = "/pictures"
INSERT_PICTURE = (
    "INSERT INTO picture (name, content_type, width, height, data, thumbnail_type,"
    " thumbnail_width, thumbnail_height, thumbnail, created_ts)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING"
)
INSERT_UPLOAD = (
    "INSERT INTO picture_upload (holder, name, ts) VALUES (?, ?, ?)"
    " ON CONFLICT (holder, name) DO UPDATE SET ts = excluded.ts"
)


@dataclass(frozen=True)
class Shown:
    """A picture as a message shows it: its name and the sizes of it and its thumbnail."""

    name: str
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int

    @classmethod
    def parsed(cls, column):
        """The picture a message's `image` column names."""
        name, *sizes = column.split(" ")
        return cls(name, *(int(size) for size in sizes))

    def column(self):
        """The text of a message's `image` column."""
        return " ".join(str(part) for part in astuple(self))

    def public(self):
        """The `image` field of a message as clients get it: sizes and where to fetch it."""
        url = f"{PATH}/{self.name}"
        return {
            "name": self.name,
            "url": url,
            "width": self.width,
            "height": self.height,
            "thumbnail": {
                "url": f"{url}/thumbnail",
                "width": self.thumbnail_width,
                "height": self.thumbnail_height,
            },
        }


@dataclass(frozen=True)
class Served:
    """The bytes of a picture or its thumbnail, and their type."""

    data: bytes
    content_type: str


class PictureQueries:
    """The store's pictures (mixed into both backends)."""

    def save_picture(self, picture, holder, now):
        """Store a processed picture (chat/core/images.Picture) unless it is there already, and
        record holder's upload of it; return how messages show it. On the writer only."""
        image, thumbnail = picture.image, picture.thumbnail
        self._change(
            INSERT_PICTURE,
            (
                *(image.digest, image.content_type, image.width, image.height, image.data),
                *(thumbnail.content_type, thumbnail.width, thumbnail.height, thumbnail.data),
                now,
            ),
        )
        # A row of its own: a picture stored without it is merely one nobody may announce.
        self._change(INSERT_UPLOAD, (holder, image.digest, now))
        sizes = (image.width, image.height, thumbnail.width, thumbnail.height)
        return Shown(image.digest, *sizes)

    def uploaded_picture(self, name, holder):
        """How messages show the picture of that name, if holder uploaded it; else None."""
        rows = self._query(
            "SELECT p.name, p.width, p.height, p.thumbnail_width, p.thumbnail_height"
            " FROM picture_upload u JOIN picture p ON p.name = u.name"
            " WHERE u.holder = ? AND u.name = ?",
            (holder, name),
        )
        return Shown(*rows[0]) if rows else None

    def drop_unshown_picture(self, message):
        """Delete the picture a deleted message showed, with its uploads, unless another
        message shows it. On the writer only."""
        if "image" not in message:
            return
        name = message["image"]["name"]
        # `image` starts with the name and a space: a range of the index.
        shown = "NOT EXISTS (SELECT 1 FROM message WHERE image >= ? AND image < ?)"
        bounds = (f"{name} ", f"{name}!")
        self._change(f"DELETE FROM picture_upload WHERE name = ? AND {shown}", (name, *bounds))
        self._change(f"DELETE FROM picture WHERE name = ? AND {shown}", (name, *bounds))

    def picture_data(self, name, thumbnail=False):
        """The bytes and type of a picture, or of its thumbnail; None for an unknown name. Up
        to the size limit of a picture: where reads hold their thread (`slow_reads_block`),
        callers run it in a thread of its own."""
        columns = "thumbnail, thumbnail_type" if thumbnail else "data, content_type"
        rows = self._query_apart(f"SELECT {columns} FROM picture WHERE name = ?", (name,))
        return Served(bytes(rows[0][0]), rows[0][1]) if rows else None
