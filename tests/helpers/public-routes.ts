// The routes that are public on purpose: the system routes, what customers' mail clients and phones fetch (a signed
// token or a registered code stands in for credentials), and the providers' webhooks (their signatures do). A new
// public route must be added here, on purpose.
export const PUBLIC_ROUTES: readonly string[] = [
  'get /healthz',
  'get /metrics',
  'get /openapi.json',
  'get /pixel/{token}.gif',
  'get /r/{token}',
  'get /u/{token}',
  'post /u/{token}',
  'get /s/{code}',
  'post /webhooks/twilio/sms',
  'post /webhooks/twilio/sms-status',
  'post /webhooks/twilio/voice-status',
  'post /webhooks/sendgrid/events',
  'post /webhooks/mailgun/events',
  'post /webhooks/chatwoot',
  // The web-view collector: the script, and the endpoint a hand-off token authorises (never an API key in a page).
  'get /collector.js',
  'post /api/v2/collect',
];
