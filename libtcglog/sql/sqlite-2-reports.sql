-- tcglog store, SQLite, schema version 2: the DHA-Reports kept per device,
-- each with what the report itself says (appraisal time, verdict, failing
-- rules, policy name) beside its XML. Purged by age (the retention).
CREATE TABLE IF NOT EXISTS reports (
  id INTEGER PRIMARY KEY,
  device TEXT NOT NULL CHECK (length(device) BETWEEN 1 AND 255),
  appraised INTEGER NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('compliant', 'non-compliant')),
  failing TEXT NOT NULL,
  policy TEXT NOT NULL,
  xml TEXT NOT NULL CHECK (length(CAST(xml AS BLOB)) <= 1048576)
);
-- a device's history and its latest report; the retention's purge
CREATE INDEX IF NOT EXISTS reports_device ON reports (device, appraised, id);
CREATE INDEX IF NOT EXISTS reports_appraised ON reports (appraised);
