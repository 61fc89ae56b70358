-- The search index's segments are no longer merged inside a commit (FTS5's automerge, which
-- made about one commit in a hundred take tens of milliseconds on a long history): the
-- checkpoint merges them instead, off the writers' path (chat/core/store/sqlite.py).
INSERT INTO message_search (message_search, rank) VALUES ('automerge', 0);
