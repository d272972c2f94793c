import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { NewUser, UserChange, UserStore, UserView, UserWriteError } from '../../ports/users';

const COLUMNS = 'id, email, name, role, client_id, receptionist_id, disabled, created_at';

function toView(r: Record<string, any>): UserView {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    clientId: r.client_id,
    receptionistId: r.receptionist_id,
    disabled: r.disabled,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** Unique and foreign-key violations are answers, not failures. */
function writeError(err: unknown): UserWriteError {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505') return 'email-taken';
  if (e.code === '23503' && e.constraint?.includes('client')) return 'no-such-client';
  if (e.code === '23503' && e.constraint?.includes('receptionist')) return 'no-such-receptionist';
  throw err;
}

/** Users and sessions in PostgreSQL (migrations/1764400000000_users.sql). */
export class PostgresUserStore implements UserStore {
  constructor(private readonly pool: pg.Pool) {}

  async createUser(u: NewUser): Promise<UserView | UserWriteError> {
    try {
      const { rows } = await this.pool.query(
        `INSERT INTO users (id, email, name, role, client_id, receptionist_id, password_hash)
         VALUES ($1, lower($2), $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [randomUUID(), u.email, u.name, u.role, u.clientId, u.receptionistId, u.passwordHash],
      );
      return toView(rows[0]);
    } catch (err) {
      return writeError(err);
    }
  }

  async updateUser(id: string, change: UserChange): Promise<UserView | UserWriteError> {
    const sets: string[] = [];
    const values: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (change.name !== undefined) set('name', change.name);
    if (change.role !== undefined) set('role', change.role);
    if (change.clientId !== undefined) set('client_id', change.clientId);
    if (change.receptionistId !== undefined) set('receptionist_id', change.receptionistId);
    if (change.passwordHash !== undefined) set('password_hash', change.passwordHash);
    if (change.disabled !== undefined) set('disabled', change.disabled);
    if (sets.length === 0) return (await this.user(id)) ?? 'no-such-user';
    try {
      const { rows } = await this.pool.query(`UPDATE users SET ${sets.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`, values);
      return rows[0] ? toView(rows[0]) : 'no-such-user';
    } catch (err) {
      return writeError(err);
    }
  }

  async listUsers(): Promise<UserView[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM users ORDER BY email`);
    return rows.map(toView);
  }

  async user(id: string): Promise<UserView | null> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async credentials(email: string): Promise<{ user: UserView; passwordHash: string } | null> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS}, password_hash FROM users WHERE email = lower($1)`, [email]);
    return rows[0] ? { user: toView(rows[0]), passwordHash: rows[0].password_hash } : null;
  }

  async createSession(s: { id: string; userId: string; expiresAt: number; now: number }): Promise<void> {
    // Expired sessions of anyone are swept as new ones are made: the table stays small.
    await this.pool.query('DELETE FROM sessions WHERE expires_at < $1', [new Date(s.now)]);
    await this.pool.query('INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, $3)', [s.id, s.userId, new Date(s.expiresAt)]);
  }

  async sessionUser(id: string, now: number): Promise<UserView | null> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS.split(', ').map((c) => `u.${c}`).join(', ')} FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id = $1 AND s.expires_at > $2 AND NOT u.disabled`,
      [id, new Date(now)],
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  async deleteSession(id: string): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE id = $1', [id]);
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
  }
}
