-- tcglog store, SQLite, schema version 3: whether a kept report may decide
-- its device's status. A failed verification whose sender did not prove to
-- be the device (anyone can send a signedblob under any name) is kept with
-- attributed = 0: listed in the device's history, never its latest status.
-- Rows kept before version 3 count as attributed (1), as they did.
ALTER TABLE reports ADD COLUMN attributed INTEGER NOT NULL DEFAULT 1 CHECK (attributed IN (0, 1));
-- a device's latest attributed report, however many unattributed ones follow
CREATE INDEX IF NOT EXISTS reports_attributed ON reports (device, appraised, id) WHERE attributed;
