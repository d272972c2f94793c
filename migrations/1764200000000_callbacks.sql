-- Up Migration

-- Callbacks (docs/callbacks.md): a caller who keeps their place without staying on the line, or
-- a call back scheduled through the API. 0: the client never offers callbacks to waiting callers.
ALTER TABLE clients
  ADD COLUMN callback_offer_after_seconds integer NOT NULL DEFAULT 0 CHECK (callback_offer_after_seconds >= 0);

CREATE TABLE callbacks (
  id                text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  client_id         text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  number            text NOT NULL CHECK (number ~ '^\+?[0-9]{1,20}$'),
  name              text NOT NULL DEFAULT '' CHECK (length(name) <= 120),
  note              text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
  source            text NOT NULL CHECK (source IN ('caller', 'api')),
  original_call_id  text,
  did               text NOT NULL DEFAULT '',
  status            text NOT NULL CHECK (status IN ('scheduled', 'queued', 'dialing', 'completed', 'failed', 'cancelled')),
  attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- The place in line: when the caller first joined the queue (kept across attempts and restarts).
  enqueued_at       timestamptz NOT NULL,
  priority_tier     integer NOT NULL DEFAULT 0,
  original_wait_ms  integer NOT NULL DEFAULT 0,
  -- When a scheduled callback joins the line (a retry's backoff, notBefore, the next opening).
  due_at            timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callbacks_pending ON callbacks (due_at) WHERE status IN ('scheduled', 'queued', 'dialing');
CREATE INDEX callbacks_client ON callbacks (client_id, created_at DESC);

-- The outbox: one row per attempt, written before the originate. The unique (callback_id,
-- attempt) and the channel id derived from them make each attempt one outbound call at most.
CREATE TABLE callback_attempts (
  callback_id      text NOT NULL REFERENCES callbacks(id) ON DELETE CASCADE,
  attempt          integer NOT NULL CHECK (attempt >= 1),
  channel_id       text NOT NULL UNIQUE,
  receptionist_id  text,
  status           text NOT NULL CHECK (status IN ('sending', 'sent', 'answered', 'busy', 'no-answer', 'unreachable', 'failed', 'cancelled', 'interrupted')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  ended_at         timestamptz,
  PRIMARY KEY (callback_id, attempt)
);

-- Down Migration
DROP TABLE callback_attempts;
DROP TABLE callbacks;
ALTER TABLE clients DROP COLUMN callback_offer_after_seconds;
