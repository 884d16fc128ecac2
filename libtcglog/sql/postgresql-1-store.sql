-- tcglog store, PostgreSQL, schema version 1: the challenge nonces and the
-- device registry (the same tables as SQLite's versions 0 and 1).
-- The tools apply each step in one transaction, under an advisory lock, and
-- record the version reached in tcglog_schema; a DBA reads, never runs, these.
-- Times are seconds since the epoch. A nonce is deleted when it is consumed.
CREATE TABLE nonces (
  nonce bytea PRIMARY KEY CHECK (length(nonce) = 32),
  device text NOT NULL CHECK (length(device) BETWEEN 1 AND 255),
  issued bigint NOT NULL,
  expires bigint NOT NULL
);
CREATE INDEX nonces_expires ON nonces (expires);
CREATE TABLE devices (
  device text PRIMARY KEY CHECK (length(device) BETWEEN 1 AND 255),
  ek_sha256 bytea NOT NULL CHECK (length(ek_sha256) = 32),
  enrolled bigint NOT NULL,
  how text NOT NULL CHECK (how IN ('first-boot-data', 'operator', 'rebind'))
);
