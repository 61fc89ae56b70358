-- A nickname stays reserved to the browser session or client key that last held it, for a
-- while after it leaves (NICKNAME_RESERVATION_DAYS), on every process and host: one row per
-- nickname, keyed by its comparison key (chat/core/names.py), so look-alikes are one row.
-- `holder` names who holds it: direct messages, read markers and the authorship of messages
-- hang on it, not on the bare nickname, and a new one is drawn when someone else takes the
-- nickname. `owner` is the SHA-256 of the session's owner or the client's key, never the
-- secret itself; `passphrase` an scrypt hash (chat/core/passphrases.py), or NULL; `last_seen`
-- the time in ms when its holder last connected or went offline.
CREATE TABLE nickname (
    key TEXT PRIMARY KEY,
    nick TEXT NOT NULL,
    holder TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    passphrase TEXT,
    last_seen BIGINT NOT NULL
);
