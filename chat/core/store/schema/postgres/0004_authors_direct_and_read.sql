-- Who wrote a message (its holder, so that only they may edit or delete it; NULL for the
-- history from before this version), when it was last edited, and the nicknames it mentions
-- (separated by spaces, which no nickname holds; NULL for none).
ALTER TABLE message ADD COLUMN sender TEXT;
ALTER TABLE message ADD COLUMN edited_ts BIGINT;
ALTER TABLE message ADD COLUMN mentions TEXT;
-- How far each holder has read each room or direct conversation: the highest seq read.
CREATE TABLE read_marker (
    holder TEXT NOT NULL,
    room TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (holder, room)
);
-- A direct conversation is a private room named 'dm:<holder>:<holder>' (chat/core/direct.py),
-- stored, numbered and searched as rooms are. Each of its two holders has a row here, naming
-- the other: the list of one's conversations, and the one with a given nickname.
CREATE TABLE direct_party (
    holder TEXT NOT NULL,
    room TEXT NOT NULL,
    partner TEXT NOT NULL,
    partner_key TEXT NOT NULL,
    partner_nick TEXT NOT NULL,
    PRIMARY KEY (holder, room)
);
CREATE INDEX direct_party_partner ON direct_party (holder, partner_key);
-- The form page lists public rooms only: direct conversations have room rows (their seqs)
-- but stay out of this index, and out of the list.
DROP INDEX room_recent;
CREATE INDEX room_recent_public ON room (last_ts DESC, name) WHERE substr(name, 1, 3) <> 'dm:';
