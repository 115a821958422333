-- Daemons sharing one database share their hosts' Retry-After holds: a host that answered 429 or
-- 503 with Retry-After to one daemon is left alone by all of them until `until` (Unix seconds).
-- `feed` names the feed whose answer asked for it, for `status`.
CREATE TABLE host_holds (
    host  text   PRIMARY KEY,
    until bigint NOT NULL,
    feed  text   NOT NULL DEFAULT ''
);
