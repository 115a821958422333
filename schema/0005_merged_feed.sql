-- Tributary schema, version 5: the merged feed. Entries are listed newest
-- first by when they were first seen, and a story is shown through the copy
-- of the feed with the highest priority.

-- feeds.conf `priority` (0-100), written by sync_feeds: a story is shown
-- through the item of its highest-priority feed, the earliest among equals.
ALTER TABLE feeds ADD COLUMN priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 100);

-- The merged feed walks one of these newest first and stops after
-- max_items entries: stories (stories_by_first_seen, made by version 4)
-- for `dedup = story`, items for `url` and `item`. (An index on one column
-- ends with the rowid, so it also gives the id order among equal times.)
CREATE INDEX items_by_first_seen ON items (first_seen);
