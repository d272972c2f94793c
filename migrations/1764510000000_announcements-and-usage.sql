-- Up Migration

-- Banners an admin publishes to receptionists and/or clients, shown while
-- starts_at <= now < ends_at. Withdrawing one moves its end (and a scheduled one's start) to then.
CREATE TABLE announcements (
  id            text PRIMARY KEY,
  text          text NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
  level         text NOT NULL CHECK (level IN ('info', 'warning')),
  audience      text NOT NULL CHECK (audience IN ('receptionists', 'clients', 'everyone')),
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  created_by    text REFERENCES users(id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  withdrawn_at  timestamptz,
  CHECK (ends_at >= starts_at)
);
CREATE INDEX announcements_ends ON announcements (ends_at);

-- First-party product usage, per UTC day: who was active in which app, and how often each action
-- was used. No IPs, no user agents; a user's rows go with the user.
CREATE TABLE usage_daily_users (
  day      date NOT NULL,
  app      text NOT NULL CHECK (app IN ('console', 'portal', 'wallboard', 'admin')),
  user_id  text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (day, app, user_id)
);
CREATE INDEX usage_daily_users_user ON usage_daily_users (user_id);

CREATE TABLE usage_action_counts (
  day     date NOT NULL,
  app     text NOT NULL CHECK (app IN ('console', 'portal', 'wallboard', 'admin')),
  action  text NOT NULL CHECK (length(action) BETWEEN 1 AND 40),
  count   bigint NOT NULL CHECK (count > 0),
  PRIMARY KEY (day, app, action)
);

-- Down Migration

DROP TABLE usage_action_counts;
DROP TABLE usage_daily_users;
DROP TABLE announcements;
