-- Up Migration

-- What the FastAGI dialplan lookups read (docs/fastagi.md): each client's time zone, weekly
-- hours, closures, posted status, mailbox and after-hours handling, and the caller lists.
-- Values that end up in dialplan application arguments are limited to safe characters here,
-- and checked again in the code.
ALTER TABLE clients
  ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC' CHECK (time_zone ~ '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$'),
  ADD COLUMN voicemail_box text CHECK (voicemail_box ~ '^[A-Za-z0-9_-]{1,40}(@[A-Za-z0-9_-]{1,40})?$'),
  ADD COLUMN after_hours_action text NOT NULL DEFAULT 'voicemail'
    CHECK (after_hours_action IN ('voicemail', 'announcement', 'forward')),
  ADD COLUMN after_hours_announcement text CHECK (after_hours_announcement ~ '^[A-Za-z0-9_/-][A-Za-z0-9_./-]{0,127}$'),
  ADD COLUMN after_hours_forward_to text CHECK (after_hours_forward_to ~ '^\+?[0-9]{3,20}$'),
  -- Set by company staff only: forwarding calls out costs the company money (toll fraud).
  ADD COLUMN after_hours_forward_allowed boolean NOT NULL DEFAULT false;

-- Weekly opening intervals in the client's local time; several per day for a lunch break.
-- No rows for a client: open at all times. An interval runs [opens, closes), closes may be 24:00.
CREATE TABLE client_business_hours (
  client_id  text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  weekday    smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7), -- ISO: 1 = Monday, 7 = Sunday
  opens      time NOT NULL,
  closes     time NOT NULL,
  CHECK (closes > opens),
  PRIMARY KEY (client_id, weekday, opens)
);

-- Holidays and closures, local dates, both days included; they win over the weekly hours.
CREATE TABLE client_closures (
  client_id  text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  first_day  date NOT NULL,
  last_day   date NOT NULL,
  label      text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
  CHECK (last_day >= first_day),
  PRIMARY KEY (client_id, first_day)
);
CREATE INDEX client_closures_last_day ON client_closures (client_id, last_day);

-- What the client posted for the receptionists ("out until 3 pm"); one current status each.
CREATE TABLE client_status (
  client_id   text PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
  text        text NOT NULL CHECK (length(text) <= 500),
  posted_at   timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz
);

-- Known, VIP and blocked (spam) callers. client_id NULL: company-wide. One entry per number and
-- scope; the client's own entry wins over the company-wide one.
CREATE TABLE caller_list_entries (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id   text REFERENCES clients(id) ON DELETE CASCADE,
  number      text NOT NULL CHECK (number ~ '^\+?[0-9]{1,20}$'),
  kind        text NOT NULL CHECK (kind IN ('known', 'vip', 'blocked')),
  label       text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (client_id, number)
);
CREATE INDEX caller_list_entries_number ON caller_list_entries (number);

-- Down Migration
DROP TABLE caller_list_entries;
DROP TABLE client_status;
DROP TABLE client_closures;
DROP TABLE client_business_hours;
ALTER TABLE clients
  DROP COLUMN after_hours_forward_allowed,
  DROP COLUMN after_hours_forward_to,
  DROP COLUMN after_hours_announcement,
  DROP COLUMN after_hours_action,
  DROP COLUMN voicemail_box,
  DROP COLUMN time_zone;
