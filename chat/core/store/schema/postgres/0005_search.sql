-- Full-text search of message text, per room: a tsvector kept by PostgreSQL itself (a
-- generated column, so inserts, edits and deletes keep it in step), under a GIN index.
-- Each message's vector holds the words of its text ('simple': lower-cased, not stemmed, as
-- SQLite's tokenizer does) and one lexeme naming its room ('r' and the MD5 of its name) of
-- weight A, which no word of a text has: a search asks for its room's lexeme at weight A.
-- Adding the column rewrites the table, as 0002 did.
ALTER TABLE message ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(array_to_tsvector(ARRAY['r' || md5(room)]), 'A') || to_tsvector('simple', text)
) STORED;
CREATE INDEX message_search ON message USING GIN (search);
