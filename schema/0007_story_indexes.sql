-- Tributary schema, version 7: a new story writes two index pages fewer.
--
-- Each of these indexes put a new story's entry at a random place: its guid is a
-- hash, and its time is whenever the item says it was published. So every batch
-- of ingests rewrote one page of each index per new story, and at 10,000 feeds a
-- cold cycle wrote 36% of its WAL frames to these two indexes alone (one frame in
-- five each, for indexes of 2,181 and 786 pages). Nothing reads through either:
--
-- * stories_by_time served the story matcher's old per-ingest window query; the
--   story engine (schema 4) keeps its window in memory and reads stories by
--   first_seen. Ordering the merged feed uses stories_by_first_seen.
-- * guid UNIQUE only checked that two stories never get one guid. A guid is the
--   hash of its first item's feed and item key, which items already keeps unique
--   (feed_id, item_key); nothing looks a story up by its guid.
--
-- SQLite cannot drop a UNIQUE constraint, so the table is rebuilt (the way
-- https://www.sqlite.org/lang_altertable.html describes: migrations run with
-- foreign keys off, and checked before they commit). Ids, and so every item's
-- story_id and every published guid, stay as they were.

DROP INDEX stories_by_time;

CREATE TABLE stories_rebuilt (
    id            INTEGER PRIMARY KEY,
    guid          TEXT    NOT NULL,
    canonical_url TEXT    NOT NULL DEFAULT '',
    fingerprint   INTEGER NOT NULL DEFAULT 0,
    first_item_id INTEGER REFERENCES items (id) ON DELETE SET NULL,
    published     INTEGER,
    first_seen    INTEGER NOT NULL,
    features      BLOB
) STRICT;
INSERT INTO stories_rebuilt (id, guid, canonical_url, fingerprint, first_item_id, published, first_seen, features)
    SELECT id, guid, canonical_url, fingerprint, first_item_id, published, first_seen, features FROM stories;
DROP TABLE stories;
ALTER TABLE stories_rebuilt RENAME TO stories;

-- Foreign-key action when an item is deleted, and "stories without an item".
CREATE INDEX stories_by_first_item ON stories (first_item_id);
-- The story window at start-up, and the merged feed's order.
CREATE INDEX stories_by_first_seen ON stories (first_seen);
