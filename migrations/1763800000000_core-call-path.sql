-- Up Migration

-- The businesses Switchboard answers for. Every tenant-owned row carries client_id.
CREATE TABLE clients (
  id                text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name              text NOT NULL,
  greeting          text NOT NULL DEFAULT '',
  moh_class         text NOT NULL DEFAULT 'default',
  hold_prompt       jsonb,
  announce_position boolean NOT NULL DEFAULT false,
  priority_tier     integer NOT NULL DEFAULT 0,
  max_wait_seconds  integer NOT NULL DEFAULT 0 CHECK (max_wait_seconds >= 0),
  overflow          jsonb NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Dialled numbers (DIDs), normalised to digits with an optional leading +.
CREATE TABLE client_numbers (
  number     text PRIMARY KEY CHECK (number ~ '^\+?[0-9]{1,20}$'),
  client_id  text NOT NULL REFERENCES clients(id) ON DELETE CASCADE
);
CREATE INDEX client_numbers_client ON client_numbers (client_id);

CREATE TABLE receptionist_groups (
  id                    text PRIMARY KEY,
  name                  text NOT NULL,
  wrap_up_seconds       integer NOT NULL DEFAULT 5 CHECK (wrap_up_seconds >= 0),
  ring_timeout_seconds  integer NOT NULL DEFAULT 15 CHECK (ring_timeout_seconds > 0),
  max_missed_offers     integer NOT NULL DEFAULT 2 CHECK (max_missed_offers > 0)
);

CREATE TABLE receptionists (
  id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name        text NOT NULL,
  endpoint    text NOT NULL,
  group_id    text NOT NULL REFERENCES receptionist_groups(id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per call (id = the caller's channel id), summarised from its timeline.
CREATE TABLE calls (
  id                   text PRIMARY KEY,
  client_id            text NOT NULL,
  did                  text NOT NULL DEFAULT '',
  caller_name          text NOT NULL DEFAULT '',
  caller_number        text NOT NULL DEFAULT '',
  arrived_at           timestamptz NOT NULL,
  answered_at          timestamptz,
  ended_at             timestamptz,
  outcome              text,
  wait_ms              integer,
  receptionist_id      text,
  voicemail_recording  text
);
CREATE INDEX calls_client_arrived ON calls (client_id, arrived_at DESC);
CREATE INDEX calls_arrived ON calls (arrived_at DESC);

-- The timeline. (call_id, seq) makes a retried batch a no-op.
CREATE TABLE call_events (
  call_id  text NOT NULL,
  seq      text NOT NULL,
  at       timestamptz NOT NULL,
  kind     text NOT NULL,
  data     jsonb NOT NULL,
  PRIMARY KEY (call_id, seq)
);
CREATE INDEX call_events_at ON call_events (call_id, at);

-- Down Migration
DROP TABLE call_events;
DROP TABLE calls;
DROP TABLE receptionists;
DROP TABLE receptionist_groups;
DROP TABLE client_numbers;
DROP TABLE clients;
