-- tcglog store, SQLite, schema version 1: the device registry, each device
-- name bound to the SHA-256 of one EK certificate.
CREATE TABLE IF NOT EXISTS devices (
  device TEXT PRIMARY KEY NOT NULL CHECK (length(device) BETWEEN 1 AND 255),
  ek_sha256 BLOB NOT NULL CHECK (typeof(ek_sha256) = 'blob' AND length(ek_sha256) = 32),
  enrolled INTEGER NOT NULL,
  how TEXT NOT NULL CHECK (how IN ('first-boot-data', 'operator', 'rebind'))
) WITHOUT ROWID;
