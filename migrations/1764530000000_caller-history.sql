-- Up Migration

-- Earlier calls of a number to a client, for the notes on the receptionist's screen.
CREATE INDEX calls_client_caller ON calls (client_id, caller_number, arrived_at DESC);

-- Down Migration
DROP INDEX calls_client_caller;
