// What every answer carries: security headers, and CORS only for the origins configured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_ADMIN_SECRET, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const DASHBOARD = 'https://dashboard.dealer-group.example';

describe('HTTP headers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(storeTargets()[0]!, { access: { corsOrigins: [DASHBOARD] } });
  });
  afterAll(async () => app?.close());

  it('sends security headers on answers and problems alike, and no X-Powered-By', async () => {
    for (const res of [await app.get('/healthz'), await app.get('/api/v2/tracking/journeys', { authorization: '' })]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('answers a preflight from a configured origin, and nothing CORS to any other', async () => {
    const preflight = (origin: string) =>
      fetch(`${app.url}/api/v2/tracking/journeys`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const ok = await preflight(DASHBOARD);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(ok.headers.get('vary')).toMatch(/Origin/);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const read = await fetch(`${app.url}/api/v2/tracking/journeys`, { headers: { origin: DASHBOARD, authorization: `Bearer ${TEST_ADMIN_SECRET}` } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(read.headers.get('access-control-expose-headers')).toMatch(/RateLimit/);
  });
});
