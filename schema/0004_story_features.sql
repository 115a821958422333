-- Tributary schema, version 4: the story engine's index outlives an ingest.
--
-- stories.features holds what dedup extracted from the story's representative item
-- (its stemmed words, names, places, numbers and dates; dedup/story_features.hpp,
-- versioned in its first byte), so a restarted daemon refills its in-memory index
-- from here instead of re-reading every text. NULL (stories written before this
-- version) or an older extractor's bytes are recomputed from the item once and
-- written back.
--
-- The index holds the stories that arrived within the story window: start-up
-- finds them by first_seen.
ALTER TABLE stories ADD COLUMN features BLOB;
CREATE INDEX stories_by_first_seen ON stories (first_seen);

-- Why an item joined its story ("new story", "url", "score=0.71 text=0.64 …"),
-- as the engine said at ingest: what `tributary explain-story` shows.
ALTER TABLE items ADD COLUMN story_reason TEXT NOT NULL DEFAULT '';
