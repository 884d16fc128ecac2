-- tcglog store, PostgreSQL: the schema version, one row. Created before any
-- step; a database without it is empty (version 0) or not a tcglog store.
CREATE TABLE IF NOT EXISTS tcglog_schema (
  version integer NOT NULL
);
