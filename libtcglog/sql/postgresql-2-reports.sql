-- tcglog store, PostgreSQL, schema version 2: the DHA-Reports kept per
-- device, each with what the report itself says (appraisal time, verdict,
-- failing rules, policy name) beside its XML. Purged by age (the retention).
CREATE TABLE reports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device text NOT NULL CHECK (length(device) BETWEEN 1 AND 255),
  appraised bigint NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('compliant', 'non-compliant')),
  failing text NOT NULL,
  policy text NOT NULL,
  xml text NOT NULL CHECK (octet_length(xml) <= 1048576)
);
-- a device's history and its latest report; the retention's purge
CREATE INDEX reports_device ON reports (device, appraised, id);
CREATE INDEX reports_appraised ON reports (appraised);
