-- Tributary schema, version 6: what the merged feed shows of an item beside
-- its text: its language (Atom xml:lang, RSS <language>, JSON Feed
-- "language"; right-to-left pages) and its enclosures (podcasts, images).

-- The item's own language as its feed wrote it (xml:lang, dc:language), BCP 47; '' when unknown.
ALTER TABLE items ADD COLUMN language TEXT NOT NULL DEFAULT '';
-- JSON array of {"url": …, "type": …, "length": …} as parsed (absolute URLs,
-- checked again when published).
ALTER TABLE items ADD COLUMN enclosures TEXT NOT NULL DEFAULT '[]';
-- The feed's language (RSS <language>, the root's xml:lang), for items that give none.
ALTER TABLE feeds ADD COLUMN language TEXT NOT NULL DEFAULT '';
