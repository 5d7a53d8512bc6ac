-- POP3: which server messages were saved, so that a re-run fetches nothing twice and deletions
-- follow the account's keep_on_server policy. Never edit a released migration; add the next number.
-- Independent of 0002: catalogs may receive the two in either order.

CREATE TABLE pop3_uidls (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- The server's UIDL (bytes outside printable ASCII, and "%", as %XX). A server without UIDL,
    -- or one that gives two messages the same UIDL: "top:<SHA-256 of TOP n 0>:<size>"; when even
    -- that does not tell messages apart: "sha256:<hex of the message>".
    uidl TEXT NOT NULL,
    -- SHA-256 of the saved bytes (messages.sha256): the same UIDL with other bytes is another row.
    sha256 BLOB NOT NULL,
    -- The size LIST announced when the message was saved: a reused UIDL with another size is
    -- fetched again and its hash decides.
    listed_size INTEGER NOT NULL,
    first_saved INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    -- When the message left the server: a QUIT the server accepted after our DELE, or a run that
    -- no longer found it.
    deleted_at INTEGER,
    UNIQUE (account_id, uidl, sha256)
);
CREATE INDEX pop3_uidls_sha256 ON pop3_uidls(sha256);

-- Where a placement's INTERNALDATE came from: NULL for the server's own (IMAP); for POP3, which
-- has none, 'received' (the first Received: header) or 'downloaded' (the time it was fetched).
ALTER TABLE placements ADD COLUMN internal_date_source TEXT;
