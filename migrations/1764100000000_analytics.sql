-- Up Migration

-- When each timeline row was written (not when it happened): the incremental roll-up's
-- watermark. now() is stable, so existing rows get the migration time without a table rewrite.
ALTER TABLE call_events ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX call_events_recorded ON call_events (recorded_at);

-- Receptionist presence history: one row per change. seq orders changes within one ms and makes
-- a retried batch a no-op, as in call_events.
CREATE TABLE receptionist_events (
  receptionist_id  text NOT NULL,
  seq              text NOT NULL,
  at               timestamptz NOT NULL,
  state            text NOT NULL CHECK (state IN ('logged-out', 'available', 'ringing', 'on-call', 'wrap-up', 'paused')),
  reason           text,
  call_id          text,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (receptionist_id, seq)
);
CREATE INDEX receptionist_events_at ON receptionist_events (receptionist_id, at);
CREATE INDEX receptionist_events_window ON receptionist_events (at);
CREATE INDEX receptionist_events_recorded ON receptionist_events (recorded_at);
CREATE INDEX receptionist_events_call ON receptionist_events (call_id) WHERE call_id IS NOT NULL;

-- Spam / wrong-number marks: such calls are not billed.
CREATE TABLE call_dispositions (
  call_id      text PRIMARY KEY,
  disposition  text NOT NULL CHECK (disposition IN ('spam', 'wrong-number')),
  marked_by    text NOT NULL DEFAULT '',
  marked_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per 15-minute interval and scope ('company', 'client:<id>', 'receptionist:<id>').
-- Additive figures only (counts, sums in ms, one maximum); ratios are derived on read.
CREATE TABLE analytics_intervals (
  interval_start              timestamptz NOT NULL,
  scope                       text NOT NULL,
  service_level_seconds       integer NOT NULL,
  arrived                     integer NOT NULL DEFAULT 0,
  offered                     integer NOT NULL DEFAULT 0,
  answered                    integer NOT NULL DEFAULT 0,
  answered_within_threshold   integer NOT NULL DEFAULT 0,
  abandoned                   integer NOT NULL DEFAULT 0,
  short_abandoned             integer NOT NULL DEFAULT 0,
  abandoned_during_ring       integer NOT NULL DEFAULT 0,
  overflowed                  integer NOT NULL DEFAULT 0,
  closed                      integer NOT NULL DEFAULT 0,
  ring_no_answer              integer NOT NULL DEFAULT 0,
  answered_wait_ms            bigint NOT NULL DEFAULT 0,
  longest_wait_ms             bigint NOT NULL DEFAULT 0,
  talk_ms                     bigint NOT NULL DEFAULT 0,
  hold_ms                     bigint NOT NULL DEFAULT 0,
  wrap_up_ms                  bigint NOT NULL DEFAULT 0,
  transfers                   integer NOT NULL DEFAULT 0,
  messages                    integer NOT NULL DEFAULT 0,
  callbacks                   integer NOT NULL DEFAULT 0,
  voicemails                  integer NOT NULL DEFAULT 0,
  logged_in_ms                bigint NOT NULL DEFAULT 0,
  available_ms                bigint NOT NULL DEFAULT 0,
  ringing_ms                  bigint NOT NULL DEFAULT 0,
  on_call_ms                  bigint NOT NULL DEFAULT 0,
  wrap_up_state_ms            bigint NOT NULL DEFAULT 0,
  paused_ms                   bigint NOT NULL DEFAULT 0,
  computed_at                 timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, interval_start)
);
CREATE INDEX analytics_intervals_start ON analytics_intervals (interval_start);

-- The incremental roll-up's progress: one row.
CREATE TABLE analytics_watermark (
  id             boolean PRIMARY KEY DEFAULT true CHECK (id),
  recorded_upto  timestamptz,
  as_of          timestamptz
);
INSERT INTO analytics_watermark (id) VALUES (true);

-- Asterisk's realtime queue_log layout (time, callid, queuename, agent, event, data1..data5),
-- plus the whole data string and seq (a retried batch is a no-op).
CREATE TABLE queue_log (
  id         bigserial PRIMARY KEY,
  seq        text NOT NULL UNIQUE,
  time       timestamptz NOT NULL,
  callid     text NOT NULL,
  queuename  text NOT NULL,
  agent      text NOT NULL,
  event      text NOT NULL,
  data       text NOT NULL DEFAULT '',
  data1      text NOT NULL DEFAULT '',
  data2      text NOT NULL DEFAULT '',
  data3      text NOT NULL DEFAULT '',
  data4      text NOT NULL DEFAULT '',
  data5      text NOT NULL DEFAULT ''
);
CREATE INDEX queue_log_time ON queue_log (time);
CREATE INDEX queue_log_callid ON queue_log (callid);

-- Down Migration
DROP TABLE queue_log;
DROP TABLE analytics_watermark;
DROP TABLE analytics_intervals;
DROP TABLE call_dispositions;
DROP TABLE receptionist_events;
DROP INDEX call_events_recorded;
ALTER TABLE call_events DROP COLUMN recorded_at;
