import { randomUUID } from 'node:crypto';
import type { NewUser, UserChange, UserStore, UserView, UserWriteError } from '../../src/ports/users';

/** UserStore in memory, with the same answers as the PostgreSQL one. */
export class MemoryUserStore implements UserStore {
  readonly rows = new Map<string, UserView & { passwordHash: string }>();
  readonly sessions = new Map<string, { userId: string; expiresAt: number }>();

  private view(r: UserView & { passwordHash: string }): UserView {
    const { passwordHash: _hash, ...view } = r;
    return view;
  }

  async createUser(u: NewUser): Promise<UserView | UserWriteError> {
    if ([...this.rows.values()].some((r) => r.email === u.email.toLowerCase())) return 'email-taken';
    const row = { ...u, email: u.email.toLowerCase(), id: randomUUID(), disabled: false, createdAt: new Date().toISOString() };
    this.rows.set(row.id, row);
    return this.view(row);
  }

  async updateUser(id: string, change: UserChange): Promise<UserView | UserWriteError> {
    const row = this.rows.get(id);
    if (!row) return 'no-such-user';
    for (const [k, v] of Object.entries(change)) if (v !== undefined) (row as unknown as Record<string, unknown>)[k] = v;
    return this.view(row);
  }

  async listUsers() {
    return [...this.rows.values()].map((r) => this.view(r));
  }

  async user(id: string) {
    const row = this.rows.get(id);
    return row ? this.view(row) : null;
  }

  async credentials(email: string) {
    const row = [...this.rows.values()].find((r) => r.email === email.toLowerCase());
    return row ? { user: this.view(row), passwordHash: row.passwordHash } : null;
  }

  async createSession(s: { id: string; userId: string; expiresAt: number; now: number }) {
    this.sessions.set(s.id, { userId: s.userId, expiresAt: s.expiresAt });
  }

  async sessionUser(id: string, now: number) {
    const s = this.sessions.get(id);
    const row = s && s.expiresAt > now ? this.rows.get(s.userId) : undefined;
    return row && !row.disabled ? this.view(row) : null;
  }

  async deleteSession(id: string) {
    this.sessions.delete(id);
  }

  async deleteUserSessions(userId: string) {
    for (const [id, s] of this.sessions) if (s.userId === userId) this.sessions.delete(id);
  }
}
