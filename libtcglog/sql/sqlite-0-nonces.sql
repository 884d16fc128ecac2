-- tcglog store, SQLite, schema version 0: the challenge nonces.
-- The tools apply each step in one write transaction and then set
-- PRAGMA user_version to the version reached; a DBA reads, never runs, these.
-- Times are seconds since the epoch. A nonce is deleted when it is consumed.
CREATE TABLE IF NOT EXISTS nonces (
  nonce BLOB PRIMARY KEY NOT NULL CHECK (typeof(nonce) = 'blob' AND length(nonce) = 32),
  device TEXT NOT NULL CHECK (length(device) BETWEEN 1 AND 255),
  issued INTEGER NOT NULL,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_expires ON nonces (expires);
