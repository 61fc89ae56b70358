-- The schema of the first release, which created it without recording a version: on such a
-- database this migration changes nothing and only records version 1.
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    nick TEXT NOT NULL,
    sender_key TEXT NOT NULL,
    client_id TEXT,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS message_room_id ON message (room, id);
CREATE UNIQUE INDEX IF NOT EXISTS message_sender_client
    ON message (sender_key, client_id) WHERE client_id IS NOT NULL;
