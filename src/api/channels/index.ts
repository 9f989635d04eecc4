// The channels capability's routes: email and SMS tracking, the providers' webhooks, portal sessions, suppressions.
import type { AnyRoute } from '../http/route.ts';
import { emailRoutes } from './email-routes.ts';
import { espWebhookRoutes } from './esp-webhook-routes.ts';
import { portalRoutes } from './portal-routes.ts';
import { smsRoutes } from './sms-routes.ts';
import { suppressionRoutes } from './suppression-routes.ts';
import { voiceRoutes } from './voice-routes.ts';

export const channelRoutes: readonly AnyRoute[] = [...emailRoutes, ...smsRoutes, ...voiceRoutes, ...espWebhookRoutes, ...portalRoutes, ...suppressionRoutes];
/** The providers' signature window (25 h back, 10 min ahead), for every provider webhook alike. */
export { SIGNATURE_MAX_AGE_S, SIGNATURE_MAX_AHEAD_S, signatureAge, staleness } from './providers/sendgrid-signature.ts';
