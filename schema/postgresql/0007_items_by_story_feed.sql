-- Whether a story already holds an item of a feed (asked before an item joins a story on its
-- score) is answered from the index alone, without reading each item's row for its feed: see
-- the SQLite schema's 0008_items_by_story_feed.sql.
DROP INDEX items_by_story;
CREATE INDEX items_by_story ON items (story_id, feed_id);
