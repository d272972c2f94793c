import type { Role } from '../domain/access';

/** A user as the API shows it: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  clientId: string | null;
  receptionistId: string | null;
  disabled: boolean;
  createdAt: string;
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  clientId: string | null;
  receptionistId: string | null;
  passwordHash: string;
}

export type UserChange = Partial<Pick<NewUser, 'name' | 'role' | 'clientId' | 'receptionistId' | 'passwordHash'>> & { disabled?: boolean };

export type UserWriteError = 'email-taken' | 'no-such-client' | 'no-such-receptionist' | 'no-such-user';

/** Users and their sessions (PostgreSQL `users`, `sessions`). Session ids are sha256 of the token. */
export interface UserStore {
  createUser(user: NewUser): Promise<UserView | UserWriteError>;
  updateUser(id: string, change: UserChange): Promise<UserView | UserWriteError>;
  listUsers(): Promise<UserView[]>;
  user(id: string): Promise<UserView | null>;
  /** The user and their hash, for login (email compared lower-case). */
  credentials(email: string): Promise<{ user: UserView; passwordHash: string } | null>;
  /** Also sweeps sessions expired before `now`. */
  createSession(session: { id: string; userId: string; expiresAt: number; now: number }): Promise<void>;
  /** The session's user while the session lasts and the user is enabled. */
  sessionUser(id: string, now: number): Promise<UserView | null>;
  deleteSession(id: string): Promise<void>;
  deleteUserSessions(userId: string): Promise<void>;
}
