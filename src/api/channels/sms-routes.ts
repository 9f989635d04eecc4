// SMS: prepare, short links, Twilio's inbound and status webhooks, unmatched replies.
import type { AnyRoute } from '../http/route.ts';
import { prepareSms } from './sms-prepare.ts';
import { shortLinkRedirect } from './short-link-route.ts';
import { twilioSmsStatus } from './twilio-sms-status.ts';
import { twilioSmsWebhook } from './twilio-sms-webhook.ts';
import { attachUnmatched, listUnmatched } from './unmatched-replies.ts';

export const smsRoutes: readonly AnyRoute[] = [prepareSms, shortLinkRedirect, twilioSmsWebhook, twilioSmsStatus, listUnmatched, attachUnmatched] as AnyRoute[];
