// The access capability's HTTP side: authentication, budgets, the audit trail, and its routes.
export { openAccess, type AccessOptions, type OpenedAccess } from './open-access.ts';
export { createAuthenticator, type KeyAuthenticator } from './authenticator.ts';
export { keyRoutes } from './key-routes.ts';
export { createRateLimiter } from './rate-limiter.ts';
export { auditRoutes } from './audit-routes.ts';
