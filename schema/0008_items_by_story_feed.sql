-- Tributary schema, version 8: whether a story already holds an item of a feed is answered from
-- an index alone.
--
-- Before an item joins a story on its score, the store asks whether the story already holds an
-- item of the same feed (a site does not report one event twice: two of its items that read alike
-- are two editions of a template). items_by_story gave the story's items, and each one's row was
-- then read for its feed: a random read of an item's page (most items fill a page) for every item
-- of the story, 1.3% of a cold 1,000-feed cycle's time on the database thread. With the feed in
-- the index, the question never leaves it; every lookup by story is served as before.
DROP INDEX items_by_story;
CREATE INDEX items_by_story ON items (story_id, feed_id);
