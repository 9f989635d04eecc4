// HTTP Basic credentials as Segment's libraries send their write key: an API key as the user name and an empty
// password authenticates exactly as the same key sent as Bearer; nothing else is taken as Basic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_ADMIN_SECRET, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe.each(storeTargets())('Basic credentials on $name', (target) => {
  let app: TestApp;
  let key: { key: string; id: string; display_prefix: string };

  beforeAll(async () => {
    app = await startTestApp(target);
    key = (await app.post('/api/v2/admin/keys', { name: 'segment source', role: 'dealer', dealers: ['DET001'] })).body;
  });
  afterAll(async () => app?.close());

  const authenticate = (header: string) => app.access.authenticator.authenticate(header);

  it('takes an API key as the user name with an empty password (with or without the colon), as Bearer would', async () => {
    const bearer = await authenticate(`Bearer ${key.key}`);
    expect(bearer.ok).toBe(true);
    for (const header of [`Basic ${b64(`${key.key}:`)}`, `basic ${b64(key.key)}`, `Basic  ${b64(`${key.key}:`)} `]) {
      expect(await authenticate(header), header).toEqual(bearer);
    }
    const res = await app.get('/api/v2/tracking/journeys', { authorization: `Basic ${b64(`${key.key}:`)}` });
    expect(res.status).toBe(200);
  });

  it('refuses a password, a user name that is not an API key (the admin secret included), and a mistyped key', async () => {
    const refused = [
      [`Basic ${b64(`${key.key}:secret`)}`, /empty password/],
      [`Basic ${b64(`${TEST_ADMIN_SECRET}:`)}`, /API key as the user name/],
      [`Basic ${b64('user:pass')}`, /Bearer/],
      [`Basic ${b64(`${key.key.slice(0, -1)}${key.key.endsWith('a') ? 'b' : 'a'}:`)}`, /mistyped/],
      ['Basic not*base64', /Bearer/],
    ] as const;
    for (const [header, reason] of refused) {
      const auth = await authenticate(header);
      expect(auth.ok, header).toBe(false);
      expect(auth.ok ? '' : auth.reason, header).toMatch(reason);
    }
  });

  it('refuses a revoked key sent as Basic at once', async () => {
    const doomed = (await app.post('/api/v2/admin/keys', { name: 'doomed', role: 'channel', dealers: ['DET001'] })).body;
    expect((await authenticate(`Basic ${b64(`${doomed.key}:`)}`)).ok).toBe(true);
    expect((await app.post(`/api/v2/admin/keys/${doomed.id}/revoke`, {})).status).toBe(200);
    const auth = await authenticate(`Basic ${b64(`${doomed.key}:`)}`);
    expect(auth.ok ? '' : auth.reason).toMatch(/expired or revoked/);
  });
});
