-- Daemons sharing one database (database = postgresql://… with share_database = yes) lease the
-- feeds they poll: a feed is polled by the daemon whose name is in lease_owner until lease_until
-- (Unix seconds), or by any daemon once the lease has expired (its holder died). Saving the
-- feed's state after the attempt ends the lease.
ALTER TABLE feeds ADD COLUMN lease_owner text NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN lease_until bigint;
