import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PbxAdmin } from '../ports/pbx-admin';
import { ApiError } from './errors';

export interface AdminRoutesDeps {
  /** Reloads and fallback-queue sync over AMI; null when no AMI is configured. */
  pbxAdmin: PbxAdmin | null;
}

const ReloadBody = Type.Object(
  { what: Type.Optional(Type.Union([Type.Literal('dialplan'), Type.Literal('pjsip'), Type.Literal('all')])) },
  { additionalProperties: false },
);

/** Why a PBX operation failed, without internals: AMI errors carry a stable code. */
function pbxFailure(err: unknown): ApiError {
  const code = (err as { code?: unknown }).code;
  if (code === 'ami-not-connected' || code === 'ami-disconnected') return new ApiError(503, 'pbx-unavailable', 'Asterisk\'s manager interface is not connected; try again shortly.');
  if (code === 'ami-timeout') return new ApiError(504, 'pbx-timeout', 'Asterisk did not answer in time.');
  if (code === 'ami-action-failed') return new ApiError(502, 'pbx-refused', (err as Error).message);
  throw err;
}

/** Operations for telecom engineers: reload what they edited in dialplan/ and config/. */
export function adminRoutes(deps: AdminRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    app.post('/admin/reload', { schema: { body: Type.Optional(ReloadBody) } }, async (request) => {
      const admin = deps.pbxAdmin;
      if (!admin) throw new ApiError(503, 'ami-not-configured', 'No AMI is configured (ASTERISK_AMI_HOST); reload from the Asterisk CLI instead.');
      const what = request.body?.what ?? 'dialplan';
      const reloaded: Array<{ module: string; message: string }> = [];
      try {
        if (what !== 'pjsip') reloaded.push({ module: 'dialplan', message: await admin.reloadDialplan() });
        if (what !== 'dialplan') reloaded.push({ module: 'pjsip', message: await admin.reloadPjsip() });
      } catch (err) {
        throw pbxFailure(err);
      }
      return { reloaded };
    });
  };
}
