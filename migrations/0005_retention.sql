-- Retention (prune_gone_after_days): Maildir files a prune took out of the catalog, to be removed
-- from disk. A prune records them in the transaction that deletes their placements, removes the
-- files, then deletes the rows; a run killed in between leaves rows, and the next prune removes
-- those files first. Never edit a released migration; add the next number.

CREATE TABLE pending_removals (
    -- Relative to the backup directory's maildir folder.
    path TEXT PRIMARY KEY
);
