-- Pictures people send (chat/core/images.py), kept in the database so that every host serves
-- them. Each is stored once under its name, the SHA-256 of its re-encoded bytes, with its
-- thumbnail; a picture uploaded again by anyone keeps its first row.
CREATE TABLE picture (
    name TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    data BLOB NOT NULL,
    thumbnail_type TEXT NOT NULL,
    thumbnail_width INTEGER NOT NULL,
    thumbnail_height INTEGER NOT NULL,
    thumbnail BLOB NOT NULL,
    created_ts INTEGER NOT NULL
) WITHOUT ROWID;
-- Who uploaded each picture (their holder, chat/core/identities.py), and when: only they may
-- announce it in a message.
CREATE TABLE picture_upload (
    holder TEXT NOT NULL,
    name TEXT NOT NULL REFERENCES picture (name),
    ts INTEGER NOT NULL,
    PRIMARY KEY (holder, name)
) WITHOUT ROWID;
-- The picture a message shows: its name and sizes ('name width height thumbnail_width
-- thumbnail_height'), NULL for a message of text alone. A picture never changes under its
-- name, so history is read without a join.
ALTER TABLE message ADD COLUMN image TEXT;
