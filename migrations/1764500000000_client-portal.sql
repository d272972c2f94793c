-- Up Migration

-- The client portal (docs/portal.md). A posted status may be scheduled ahead (starts_at) and
-- tells receptionists what to do with calls meanwhile (instruction).
ALTER TABLE client_status
  ADD COLUMN starts_at timestamptz,
  ADD COLUMN instruction text NOT NULL DEFAULT 'none'
    CHECK (instruction IN ('none', 'voicemail-all', 'screen-all', 'take-message')),
  -- Who posted it: a user id, or 'service' for the service token.
  ADD COLUMN posted_by text,
  ADD CONSTRAINT client_status_window CHECK (starts_at IS NULL OR expires_at IS NULL OR expires_at > starts_at);

-- A message the client has dealt with: when, and by whom (a user id, or 'service').
ALTER TABLE messages
  ADD COLUMN handled_at timestamptz,
  ADD COLUMN handled_by text,
  ADD CONSTRAINT messages_handled_pair CHECK ((handled_at IS NULL) = (handled_by IS NULL));
-- The portal's "still to do" list: a client's unhandled messages, newest first.
CREATE INDEX messages_client_unhandled ON messages (client_id, received_at DESC) WHERE handled_at IS NULL;

-- Down Migration
DROP INDEX messages_client_unhandled;
ALTER TABLE messages
  DROP CONSTRAINT messages_handled_pair,
  DROP COLUMN handled_by,
  DROP COLUMN handled_at;
ALTER TABLE client_status
  DROP CONSTRAINT client_status_window,
  DROP COLUMN posted_by,
  DROP COLUMN instruction,
  DROP COLUMN starts_at;
