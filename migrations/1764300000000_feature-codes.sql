-- Up Migration

-- Receptionist feature codes (README "Feature codes"): where a client's callers may be
-- transferred. Only these destinations, internal extensions and the allow-list are reachable;
-- values that end up in a dial string are limited to digits (and a leading +) here, and checked
-- again in the code (src/domain/destinations.ts).
CREATE TABLE client_contacts (
  client_id     text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  -- What the receptionist keys after ## (or gives to the API).
  code          text NOT NULL CHECK (code ~ '^[0-9]{1,6}$'),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  number        text CHECK (number ~ '^\+[1-9][0-9]{7,14}$'),
  extension     text CHECK (extension ~ '^[0-9]{1,10}$'),
  always_screen boolean NOT NULL DEFAULT false,
  availability  text NOT NULL DEFAULT 'available' CHECK (availability IN ('available', 'away', 'voicemail-only')),
  note          text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((number IS NULL) <> (extension IS NULL)),
  PRIMARY KEY (client_id, code)
);

-- Numbers a client allows beyond its contacts: an E.164 prefix (+1503555) or an exact number.
-- International and premium-rate numbers need their own flag on the entry that matches them.
CREATE TABLE client_transfer_allow (
  client_id      text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  pattern        text NOT NULL CHECK (pattern ~ '^\+[0-9]{1,15}$'),
  exact          boolean NOT NULL DEFAULT false,
  international  boolean NOT NULL DEFAULT false,
  premium        boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, pattern)
);

-- Down Migration
DROP TABLE client_transfer_allow;
DROP TABLE client_contacts;
