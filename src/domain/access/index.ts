// The access domain: roles and scopes, principals and dealer scope, the API key format.
export * from './api-key-format.ts';
export * from './principal.ts';
export * from './roles.ts';
export * from './audit-entry.ts';
