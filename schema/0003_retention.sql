-- Tributary schema, version 3: retention. Items that have left their feed's
-- document are deleted once unseen for the configured time; this index finds,
-- per feed, the newest document's time and the items last seen before a
-- cut-off without reading the whole table.
CREATE INDEX items_by_feed_last_seen ON items (feed_id, last_seen);
