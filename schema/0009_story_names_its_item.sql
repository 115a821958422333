-- Tributary schema, version 9: a new story names its first item as it is written.
--
-- A story and its first item refer to each other (stories.first_item_id, items.story_id), and
-- each reference was checked at the end of its statement, so neither row could be written
-- naming the other: the story was inserted naming no item, the item after it, and then the
-- story updated to name the item. That update rewrote the story's whole row (its features
-- too) and moved its entry in stories_by_first_item: 4% of the database thread's time in a
-- cold 10,000-feed cycle. Checked when the transaction commits instead (DEFERRABLE INITIALLY
-- DEFERRED), the reference may name the item the next statement writes: the story is written
-- once, and a story left naming no item of its own still fails its transaction.
--
-- SQLite cannot alter a constraint, so the table is rebuilt as version 7 did (migrations run
-- with foreign keys off, and are checked before they commit). Ids, and so every item's
-- story_id and every published guid, stay as they were.

CREATE TABLE stories_rebuilt (
    id            INTEGER PRIMARY KEY,
    guid          TEXT    NOT NULL,
    canonical_url TEXT    NOT NULL DEFAULT '',
    fingerprint   INTEGER NOT NULL DEFAULT 0,
    first_item_id INTEGER REFERENCES items (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
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
