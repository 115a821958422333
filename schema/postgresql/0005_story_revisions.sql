-- Daemons sharing one database keep their story indexes current with each other's writes: every
-- story written under the story lock (created, or its representative's text changed) takes the
-- next revision, and each ingest first reads, under that lock, the stories whose revision is newer
-- than the last one its daemon met. Revisions are drawn under the lock, so they grow in the order
-- their transactions commit.
CREATE SEQUENCE story_revisions;
ALTER TABLE stories ADD COLUMN revision bigint NOT NULL DEFAULT nextval('story_revisions');
CREATE INDEX stories_by_revision ON stories (revision);
