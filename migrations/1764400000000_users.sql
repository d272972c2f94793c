-- Up Migration

-- Users of the HTTP API (README "Users and access"). A client user belongs to one client
-- business; a receptionist user is one receptionist. Passwords are scrypt hashes
-- (`scrypt$N$r$p$salt$hash`, base64url), never the password.
CREATE TABLE users (
  id              text PRIMARY KEY,
  email           text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
  name            text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
  role            text NOT NULL CHECK (role IN ('admin', 'supervisor', 'receptionist', 'client')),
  client_id       text REFERENCES clients(id) ON DELETE CASCADE,
  receptionist_id text REFERENCES receptionists(id) ON DELETE CASCADE,
  password_hash   text NOT NULL CHECK (password_hash LIKE 'scrypt$%'),
  disabled        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'client') = (client_id IS NOT NULL)),
  CHECK ((role = 'receptionist') = (receptionist_id IS NOT NULL))
);

-- A session's id is the sha256 of its bearer token: a database read does not yield usable tokens.
CREATE TABLE sessions (
  id          text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Down Migration

DROP TABLE sessions;
DROP TABLE users;
