-- The replay log: what restore and migrate put into which destination folder, so that a message is
-- never appended twice, whatever happens to the run. Never edit a released migration.

CREATE TABLE replay_log (
    id INTEGER PRIMARY KEY,
    -- The destination account as imap://user@host:port (not its name in the job file, which may change).
    destination TEXT NOT NULL,
    -- The destination folder's name exactly as sent on the wire (modified UTF-7 bytes).
    folder BLOB NOT NULL,
    -- The message (messages.sha256).
    sha256 BLOB NOT NULL,
    -- pending: written and committed before the APPEND is sent; after a crash its fate is unknown and
    --          the destination is searched before the message is appended again.
    -- done:    the destination folder holds the message (appended, or found there).
    state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    -- 1 when the message was found on the destination rather than appended.
    found INTEGER NOT NULL DEFAULT 0,
    -- The destination folder's UIDVALIDITY when the row was written: a done row counts only while the
    -- folder keeps it (a folder deleted and recreated is restored again).
    uid_validity INTEGER,
    -- The message's UID there (APPENDUID, RFC 4315, or the lookup), when known.
    uid INTEGER,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (destination, folder, sha256)
);
