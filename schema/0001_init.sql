-- Tributary schema, version 1.
--
-- Conventions
--   * Times are INTEGER Unix seconds, UTC. NULL means "never" / "unknown".
--   * Text columns are NOT NULL with '' for "absent", so code never has to
--     tell NULL from empty.
--   * items.categories is a JSON array of strings ('[]' when none), so it can
--     be read with json_each() from the sqlite3 shell.
--   * fingerprint columns hold the 64-bit story fingerprint reinterpreted as a
--     signed 64-bit integer (same bits).
--
-- Embedded into the binary at build time (cmake/EmbedSql.cmake) and applied
-- in one transaction together with `PRAGMA user_version = 1`. Never edit a
-- released migration: add schema/NNNN_<what>.sql instead.

-- One row per feed ever configured. `name` is the stable key: the URL may
-- change in feeds.conf without losing state or items.
CREATE TABLE feeds (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE,
    url                  TEXT    NOT NULL,
    title                TEXT    NOT NULL DEFAULT '',   -- from the last parsed document
    site_link            TEXT    NOT NULL DEFAULT '',   -- the feed's <link>
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    etag                 TEXT    NOT NULL DEFAULT '',
    last_modified        TEXT    NOT NULL DEFAULT '',   -- the header value, verbatim
    last_fetch           INTEGER,
    last_success         INTEGER,
    last_outcome         TEXT    NOT NULL DEFAULT '',
    http_status          INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT    NOT NULL DEFAULT '',
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_due             INTEGER,
    schedule_reason      TEXT    NOT NULL DEFAULT '',
    created              INTEGER NOT NULL
) STRICT;

-- A story is what the merged feed shows once: one or more items (from one or
-- several feeds) that report the same thing. `guid` never changes once
-- created. published/first_seen/canonical_url/fingerprint mirror the
-- representative item (first_item_id) so the merged feed can be read in
-- order straight from stories_by_time.
CREATE TABLE stories (
    id            INTEGER PRIMARY KEY,
    guid          TEXT    NOT NULL UNIQUE,
    canonical_url TEXT    NOT NULL DEFAULT '',
    fingerprint   INTEGER NOT NULL DEFAULT 0,
    first_item_id INTEGER REFERENCES items (id) ON DELETE SET NULL,
    published     INTEGER,
    first_seen    INTEGER NOT NULL
) STRICT;

-- One row per (feed, item identity key).
CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    item_key      TEXT    NOT NULL,                -- "g:…", "l:…", "h:…" (dedup)
    canonical_url TEXT    NOT NULL DEFAULT '',
    fingerprint   INTEGER NOT NULL DEFAULT 0,
    content_hash  TEXT    NOT NULL DEFAULT '',
    story_id      INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    guid          TEXT    NOT NULL DEFAULT '',     -- guid / atom:id as written
    title         TEXT    NOT NULL DEFAULT '',
    link          TEXT    NOT NULL DEFAULT '',
    author        TEXT    NOT NULL DEFAULT '',
    summary       TEXT    NOT NULL DEFAULT '',
    content       TEXT    NOT NULL DEFAULT '',
    categories    TEXT    NOT NULL DEFAULT '[]',   -- JSON array of strings
    published     INTEGER,
    updated       INTEGER,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    UNIQUE (feed_id, item_key)                     -- also serves "items of a feed"
) STRICT;

-- Same canonical URL from any feed -> same story.
CREATE INDEX items_by_canonical_url ON items (canonical_url) WHERE canonical_url <> '';
-- Foreign-key actions and "items of a story".
CREATE INDEX items_by_story ON items (story_id);
-- The merged feed (newest first) and the dedup time window.
CREATE INDEX stories_by_time ON stories (coalesce(published, first_seen), id);
-- Foreign-key action when an item is deleted.
CREATE INDEX stories_by_first_item ON stories (first_item_id);
