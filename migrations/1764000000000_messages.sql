-- Up Migration

-- Where a client's messages go: one row per e-mail address or webhook. Channels are disabled,
-- not deleted, once used (deliveries keep a reference for their history).
CREATE TABLE client_delivery_channels (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id   text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('email', 'webhook')),
  target      text NOT NULL CHECK (length(target) BETWEEN 3 AND 2000),
  -- The webhook's HMAC secret; never logged, never sent.
  secret      text,
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'email' OR target ~ '^[^@\s]+@[^@\s]+$'),
  CHECK (kind <> 'webhook' OR (target ~ '^https?://' AND length(secret) >= 16)),
  UNIQUE (client_id, kind, target)
);

-- One message per source: a call's voicemail (`call:<callId>`) or a typed message
-- (`typed:<clientId>:<requestId>`). client_id has no foreign key, like calls.client_id: the
-- company-wide default client is not a row.
CREATE TABLE messages (
  id                  uuid PRIMARY KEY,
  source_key          text NOT NULL UNIQUE,
  kind                text NOT NULL CHECK (kind IN ('voicemail', 'typed')),
  client_id           text NOT NULL,
  client_name         text NOT NULL,
  call_id             text,
  caller_name         text NOT NULL DEFAULT '',
  caller_number       text NOT NULL DEFAULT '',
  dialled             text NOT NULL DEFAULT '',
  received_at         timestamptz NOT NULL,
  duration_ms         integer,
  body                text,
  audio_sha256        text CHECK (audio_sha256 ~ '^[0-9a-f]{64}$'),
  audio_file_name     text,
  audio_content_type  text,
  audio_bytes         integer,
  transcript          text,
  flags               text[] NOT NULL DEFAULT '{}',
  author_id           text,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_client_received ON messages (client_id, received_at DESC);
CREATE INDEX messages_received ON messages (received_at DESC);

-- One delivery per message and channel, with its fate: never dropped, failures stay visible.
-- kind and target are copied from the channel so the history survives a channel's edit.
CREATE TABLE message_deliveries (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  message_id    uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  channel_id    bigint NOT NULL REFERENCES client_delivery_channels(id),
  kind          text NOT NULL CHECK (kind IN ('email', 'webhook')),
  target        text NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  max_attempts  integer NOT NULL CHECK (max_attempts > 0),
  last_error    text,
  -- While `sending`: no other worker takes it over before this (a crashed sender's lease lapses).
  lease_until   timestamptz,
  -- When the sweep last handed it to the queue (its job may have been lost with Redis).
  enqueued_at   timestamptz,
  sent_at       timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_id, channel_id)
);
CREATE INDEX message_deliveries_open ON message_deliveries (created_at) WHERE status IN ('pending', 'sending');
CREATE INDEX message_deliveries_status ON message_deliveries (status, updated_at DESC);

-- The outbox: every call that gets a voicemail recording gets a row here in the same
-- transaction that sets calls.voicemail_recording (a trigger, so the call server needs no
-- change and nothing is lost while Redis or the worker is down). The worker's sweep hands rows
-- to the queue; the job marks its row done in the transaction that saves the message.
CREATE TABLE voicemail_outbox (
  call_id      text PRIMARY KEY,
  recording    text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  enqueued_at  timestamptz,
  message_id   uuid REFERENCES messages(id),
  done_at      timestamptz,
  failed_at    timestamptz,
  last_error   text
);
CREATE INDEX voicemail_outbox_open ON voicemail_outbox (created_at) WHERE done_at IS NULL AND failed_at IS NULL;

-- SET search_path FROM CURRENT: the function finds the outbox of the schema it was made in,
-- whatever the writing session's search_path.
CREATE FUNCTION voicemail_outbox_add() RETURNS trigger
  LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO voicemail_outbox (call_id, recording) VALUES (NEW.id, NEW.voicemail_recording)
  ON CONFLICT (call_id) DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER calls_voicemail_outbox_on_insert AFTER INSERT ON calls
  FOR EACH ROW WHEN (NEW.voicemail_recording IS NOT NULL) EXECUTE FUNCTION voicemail_outbox_add();
CREATE TRIGGER calls_voicemail_outbox_on_update AFTER UPDATE OF voicemail_recording ON calls
  FOR EACH ROW WHEN (NEW.voicemail_recording IS NOT NULL AND NEW.voicemail_recording IS DISTINCT FROM OLD.voicemail_recording)
  EXECUTE FUNCTION voicemail_outbox_add();

-- Down Migration
DROP TRIGGER calls_voicemail_outbox_on_update ON calls;
DROP TRIGGER calls_voicemail_outbox_on_insert ON calls;
DROP FUNCTION voicemail_outbox_add();
DROP TABLE voicemail_outbox;
DROP TABLE message_deliveries;
DROP TABLE messages;
DROP TABLE client_delivery_channels;
