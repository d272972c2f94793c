import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { checkUserShape, ROLES } from '../domain/access';
import type { UserStore, UserView, UserWriteError } from '../ports/users';
import { ApiError } from './errors';
import { hashPassword } from './passwords';

export interface UserRoutesDeps {
  users: UserStore;
}

const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Ref = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Password = Type.String({ minLength: 10, maxLength: 1024 });

const NewUserBody = Type.Object(
  {
    email: Type.String({ maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }),
    name: Type.String({ maxLength: 200, default: '' }),
    role: Role,
    password: Password,
    clientId: Type.Optional(Ref),
    receptionistId: Type.Optional(Ref),
  },
  { additionalProperties: false },
);

const ChangeBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    role: Type.Optional(Role),
    clientId: Type.Optional(Type.Union([Ref, Type.Null()])),
    receptionistId: Type.Optional(Type.Union([Ref, Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
);

const ERRORS: Record<UserWriteError, [number, string]> = {
  'email-taken': [409, 'A user with that email exists.'],
  'no-such-client': [404, 'No client with that id.'],
  'no-such-receptionist': [404, 'No receptionist with that id.'],
  'no-such-user': [404, 'No user with that id.'],
};

function answer(result: UserView | UserWriteError): UserView {
  if (typeof result !== 'string') return result;
  const [status, message] = ERRORS[result];
  throw new ApiError(status, result, message);
}

function checkShape(u: Parameters<typeof checkUserShape>[0]): void {
  const problem = checkUserShape(u);
  if (problem) throw new ApiError(400, 'bad-user', `${problem}.`);
}

/** Admins manage users: the only place a role or a client is ever set. */
export function userRoutes(deps: UserRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { users } = deps;

    app.get('/users', async () => ({ users: await users.listUsers() }));

    app.post('/users', { schema: { body: NewUserBody } }, async (request, reply) => {
      const b = request.body;
      const shape = { role: b.role, clientId: b.clientId ?? null, receptionistId: b.receptionistId ?? null };
      checkShape(shape);
      const user = answer(await users.createUser({ email: b.email.toLowerCase(), name: b.name, ...shape, passwordHash: await hashPassword(b.password) }));
      request.log.info({ userId: user.id, role: user.role, clientId: user.clientId }, 'user created');
      return reply.status(201).send(user);
    });

    app.patch('/users/:id', { schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), body: ChangeBody } }, async (request) => {
      const b = request.body;
      const current = await users.user(request.params.id);
      if (!current) throw new ApiError(404, 'no-such-user', ERRORS['no-such-user'][1]);
      checkShape({
        role: b.role ?? current.role,
        clientId: b.clientId !== undefined ? b.clientId : current.clientId,
        receptionistId: b.receptionistId !== undefined ? b.receptionistId : current.receptionistId,
      });
      const user = answer(
        await users.updateUser(request.params.id, {
          name: b.name,
          role: b.role,
          clientId: b.clientId,
          receptionistId: b.receptionistId,
          disabled: b.disabled,
          passwordHash: b.password === undefined ? undefined : await hashPassword(b.password),
        }),
      );
      // New rights or credentials start from a fresh login.
      if (b.disabled === true || b.password !== undefined || b.role !== undefined || b.clientId !== undefined || b.receptionistId !== undefined) {
        await users.deleteUserSessions(user.id);
      }
      request.log.info({ userId: user.id, role: user.role, clientId: user.clientId }, 'user changed');
      return user;
    });
  };
}
