-- Tributary schema, version 2: what the fetch and schedule policies remember
-- about a feed between polls, and what `tributary status` shows of it.

-- A permanent redirect (301/308) seen on recent fetches. Suggested to the
-- operator; used directly once seen `moved_count` times in a row. feeds.conf
-- is never rewritten.
ALTER TABLE feeds ADD COLUMN moved_to          TEXT    NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN moved_count       INTEGER NOT NULL DEFAULT 0;
-- 410 Gone: polling stopped until the configured url changes.
ALTER TABLE feeds ADD COLUMN gone              INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1));
-- The charset the document declared and the one it was decoded as.
ALTER TABLE feeds ADD COLUMN encoding_declared TEXT    NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN encoding_used     TEXT    NOT NULL DEFAULT '';
-- Scheduling hints, seconds (NULL: unknown): smoothed gap between new items,
-- the feed's own <ttl>/sy:update* hint; skipHours/skipDays as bit masks
-- (bit h: UTC hour h; bit d: weekday d, 0 = Sunday); HTTP freshness limit.
ALTER TABLE feeds ADD COLUMN publish_interval  INTEGER;
ALTER TABLE feeds ADD COLUMN feed_ttl          INTEGER;
ALTER TABLE feeds ADD COLUMN skip_hours        INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN skip_days         INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN fresh_until       INTEGER;
