-- Daemons sharing one database share their politeness to each host: a daemon polls a host's feeds
-- only while it holds the host's lease (until `until`, Unix seconds), so max_per_host and
-- min_host_spacing, which each daemon keeps for the hosts it polls, hold for all daemons together.
-- A daemon renews the lease whenever it leases more of the host's feeds, and gives it up (until
-- becomes the end of min_host_spacing) when it has none of them left in hand; a dead daemon's
-- lease expires.
CREATE TABLE host_leases (
    host  text   PRIMARY KEY,
    owner text   NOT NULL,
    until bigint NOT NULL
);
