-- Every message gets its room's sequence number, seq: 1, 2, 3, ... in commit order. Ids
-- come from a sequence in the order transactions start, which is not the order they commit
-- in once several hosts write, so stored history is numbered in id order, and new messages
-- take their seq from their room's row, locked until their transaction commits.
ALTER TABLE message ADD COLUMN seq BIGINT;
UPDATE message SET seq = numbered.seq
    FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY room ORDER BY id) AS seq FROM message)
         AS numbered
    WHERE message.id = numbered.id;
ALTER TABLE message ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX message_room_seq ON message (room, seq);
-- One row per room with history, kept on write: its last seq and the time of its newest
-- message (the form page's list of rooms).
CREATE TABLE room (
    name TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_ts BIGINT NOT NULL
);
INSERT INTO room (name, last_seq, last_ts)
    SELECT room, MAX(seq), MAX(ts) FROM message GROUP BY room;
CREATE INDEX room_recent ON room (last_ts DESC, name);
