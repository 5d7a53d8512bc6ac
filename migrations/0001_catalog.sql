-- The backup catalog: what was saved, where it came from, and where it lies in the archive.
-- Never edit a released migration; add the next number instead.

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    protocol TEXT NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    user TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- The name exactly as the server sent it (modified UTF-7 bytes): the folder's identity.
    raw_name BLOB NOT NULL,
    -- The decoded Unicode name, or the raw bytes shown lossily when they do not decode.
    name TEXT NOT NULL,
    delimiter TEXT,
    special_use TEXT,
    -- Where the folder lies in the archive, relative to the backup directory's format folder.
    path TEXT NOT NULL,
    uid_validity INTEGER,
    -- High-water marks, advanced in the same transaction as the messages they cover.
    highest_uid INTEGER NOT NULL DEFAULT 0,
    highest_modseq INTEGER,
    uid_next INTEGER,
    -- MESSAGES as of the last complete pass, for the no-change fast path.
    server_messages INTEGER,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    gone_at INTEGER,
    UNIQUE (account_id, raw_name),
    UNIQUE (account_id, path)
);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    -- SHA-256 of the exact bytes: the message's identity.
    sha256 BLOB NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    message_id TEXT,
    date INTEGER,
    from_address TEXT,
    to_address TEXT,
    cc_address TEXT,
    subject TEXT,
    has_attachments INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER NOT NULL
);
CREATE INDEX messages_message_id ON messages(message_id);
CREATE INDEX messages_date ON messages(date);

CREATE TABLE placements (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    uid_validity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    -- Flags and keywords exactly as the server spelled them, space-separated.
    flags TEXT NOT NULL,
    modseq INTEGER,
    -- INTERNALDATE in wire form (exact), and as seconds since 1970 for queries.
    internal_date TEXT NOT NULL,
    internal_date_unix INTEGER NOT NULL,
    -- The Maildir file, relative to the backup directory.
    maildir_path TEXT,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    gone_at INTEGER,
    UNIQUE (folder_id, uid_validity, uid)
);
CREATE INDEX placements_message ON placements(message_id);
CREATE INDEX placements_live ON placements(folder_id, gone_at);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts(id),
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    -- running | success | partial | failed
    outcome TEXT NOT NULL,
    folders_done INTEGER NOT NULL DEFAULT 0,
    folders_failed INTEGER NOT NULL DEFAULT 0,
    messages_new INTEGER NOT NULL DEFAULT 0,
    bytes_new INTEGER NOT NULL DEFAULT 0,
    flags_changed INTEGER NOT NULL DEFAULT 0,
    messages_gone INTEGER NOT NULL DEFAULT 0,
    -- JSON: per-folder counts and problems.
    report TEXT
);

-- Full-text search over what people look for; rowid = messages.id.
-- Contentless: the index keeps no second copy of the text (the archive has the message, the
-- messages table its headers). Removing a row needs its original values (FTS5's 'delete'
-- command), re-extracted from the archived message.
-- detail = column: the index records which column holds a term, not where in it. That halves the
-- CPU a backup spends on indexing and makes the index about five times smaller; a phrase query
-- is answered by matching its terms here and confirming the phrase in the message text.
CREATE VIRTUAL TABLE message_text USING fts5(
    subject, addresses, body,
    content = '',
    detail = column,
    tokenize = 'unicode61 remove_diacritics 2'
);
