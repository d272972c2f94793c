export { startFastAgiServer, FASTAGI_DEFAULTS, type FastAgiServer, type FastAgiServerOptions } from './fastagi-server';
export { dialplanRoutes, type AgiRoute, type DialplanRouteDefaults } from './routes';
