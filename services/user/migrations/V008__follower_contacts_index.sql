-- A user's followers in user-id order, for UserInternalService.ListFollowerContacts: a go-live
-- fan-out pages through possibly 100,000 followers with a cursor on the follower's id, and each
-- page must be a short range scan of this index, not a sort of every follower of the host
-- (follows_by_followee is ordered by follow time). Byte order (COLLATE "C") so the order the
-- RPC promises does not depend on the database's locale; the query names the same collation.
CREATE INDEX follows_by_followee_follower ON follows (followee_id, follower_id COLLATE "C");
