-- mbox archives: where a placement's message lies in its folder's mboxrd file. Never edit a
-- released migration; add the next number. Independent of 0002 and 0003.

-- The folder's mbox, relative to the backup directory's mbox folder (`<account>/<folder path>.mbox`).
ALTER TABLE placements ADD COLUMN mbox_path TEXT;
-- The byte offset of the entry's `From ` line, and the length of the whole entry on disk (From
-- line, quoted message, separator). The message's own bytes are messages.size long once unquoted.
-- Entries are appended and fsynced before the transaction that records them: bytes of a file
-- beyond the last recorded entry are a killed run's torn tail, cut off by the next run.
ALTER TABLE placements ADD COLUMN mbox_offset INTEGER;
ALTER TABLE placements ADD COLUMN mbox_length INTEGER;
