// The channels capability's domain: contact points, trackable destinations, machine engagement.
export * from './contact-points.ts';
export * from './trackable-url.ts';
export { HUMAN, isMachineFlagged, type MachineFlag } from '../shared/machine-flag.ts';
export * from './machine-rules.ts';
export * from './reply-classification.ts';
export * from './sms-text.ts';
export * from './email-html.ts';
export * from './portal-session-end.ts';
export * from './providers/email-provider.ts';
export { emailEventId, emailTrackingEvents, type EmailEventTarget } from './providers/email-tracking-events.ts';
export { sendgridAdapter } from './providers/sendgrid.ts';
export { mailgunAdapter } from './providers/mailgun.ts';
export * from './twilio-voice.ts';
