-- Every message gets its room's sequence number, seq: 1, 2, 3, ... in commit order (the
-- order of ids, on SQLite). SQLite cannot add a NOT NULL column without a default, so the
-- table is rebuilt, numbering the stored history as it is copied.
CREATE TABLE message_numbered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    nick TEXT NOT NULL,
    sender_key TEXT NOT NULL,
    client_id TEXT,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL
);
INSERT INTO message_numbered (id, room, seq, nick, sender_key, client_id, text, ts)
    SELECT id, room, ROW_NUMBER() OVER (PARTITION BY room ORDER BY id),
           nick, sender_key, client_id, text, ts
    FROM message;
-- An id is never given twice, not even that of a deleted message: the new table takes over
-- the old one's high-water mark, which the rename below carries along.
DELETE FROM sqlite_sequence WHERE name = 'message_numbered';
UPDATE sqlite_sequence SET name = 'message_numbered' WHERE name = 'message';
DROP TABLE message;
ALTER TABLE message_numbered RENAME TO message;
CREATE INDEX message_room_id ON message (room, id);
CREATE UNIQUE INDEX message_room_seq ON message (room, seq);
CREATE UNIQUE INDEX message_sender_client
    ON message (sender_key, client_id) WHERE client_id IS NOT NULL;
-- One row per room with history, kept on write: its last seq (the counter a batch raises in
-- its transaction) and the time of its newest message (the form page's list of rooms).
CREATE TABLE room (
    name TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    last_ts INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO room (name, last_seq, last_ts)
    SELECT room, MAX(seq), MAX(ts) FROM message GROUP BY room;
CREATE INDEX room_recent ON room (last_ts DESC, name);
