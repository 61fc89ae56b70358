-- Full-text search of message text, per room: an FTS5 index over the messages, kept in step
-- with every insert, edit and delete by the triggers below, in the same transaction.
-- Each message is indexed with its text and a scope: one token naming its room ('r' and the
-- room's name in hex), searched in its own column, so that a search reads only the room's
-- matches, and no text can pass for another room's scope. The index holds no copy of the
-- text: it reads it from the view when it must (an external content table).
-- Diacritics are kept, as PostgreSQL's 'simple' configuration keeps them.
CREATE VIEW message_search_source AS SELECT id, text, 'r' || hex(room) AS scope FROM message;
CREATE VIRTUAL TABLE message_search USING fts5(
    text, scope, content = 'message_search_source', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO message_search (message_search) VALUES ('rebuild');
-- Each trigger's body is on the line of its END: a migration's statements end at a ';' that
-- ends a line.
CREATE TRIGGER message_search_insert AFTER INSERT ON message BEGIN
    INSERT INTO message_search (rowid, text, scope) VALUES (new.id, new.text, 'r' || hex(new.room)); END;
CREATE TRIGGER message_search_delete AFTER DELETE ON message BEGIN
    INSERT INTO message_search (message_search, rowid, text, scope) VALUES ('delete', old.id, old.text, 'r' || hex(old.room)); END;
-- An edit takes the old text out before the row changes, and puts the new text in after.
CREATE TRIGGER message_search_edit_out BEFORE UPDATE OF text ON message BEGIN
    INSERT INTO message_search (message_search, rowid, text, scope) VALUES ('delete', old.id, old.text, 'r' || hex(old.room)); END;
CREATE TRIGGER message_search_edit_in AFTER UPDATE OF text ON message BEGIN
    INSERT INTO message_search (rowid, text, scope) VALUES (new.id, new.text, 'r' || hex(new.room)); END;
