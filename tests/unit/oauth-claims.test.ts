// principalOfClaims: what a verified token's claims make of the caller (role, dealer scope, subject), and every way
// the claims can fail to name one.
import type { JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { principalOfClaims } from '../../src/api/access/oauth.ts';
import { ROLES } from '../../src/domain/access/index.ts';

const CLAIMS = { roleClaim: 'threadline_role', dealersClaim: 'dealer_codes' };
const claims = (over: Record<string, unknown> = {}): JWTPayload => ({ sub: 'user-42', threadline_role: 'dealer', dealer_codes: ['DET001'], ...over });

describe('principalOfClaims', () => {
  it('maps every Threadline role, a dealer list and "*" to a principal named by the subject', () => {
    for (const role of ROLES) {
      expect(principalOfClaims(claims({ threadline_role: role }), CLAIMS)).toEqual({
        ok: true,
        principal: { via: 'oauth', id: 'user-42', label: 'oauth:user-42', role, dealers: ['DET001'] },
      });
    }
    const all = principalOfClaims(claims({ dealer_codes: '*' }), CLAIMS);
    expect(all.ok && all.principal.dealers).toBe('all');
    const several = principalOfClaims(claims({ dealer_codes: ['DET001', 'CHI002', 'A', 'Z'.repeat(16)] }), CLAIMS);
    expect(several.ok && several.principal.dealers).toEqual(['DET001', 'CHI002', 'A', 'Z'.repeat(16)]);
  });

  it('reads the configured claim names only', () => {
    const namespaced = { roleClaim: 'https://threadline.example/role', dealersClaim: 'https://threadline.example/dealers' };
    const payload = { sub: 'u', 'https://threadline.example/role': 'analyst', 'https://threadline.example/dealers': '*', threadline_role: 'admin' };
    expect(principalOfClaims(payload, namespaced)).toMatchObject({ ok: true, principal: { role: 'analyst', dealers: 'all' } });
    // A role under another name (here the default one) does not count.
    expect(principalOfClaims({ sub: 'u', role: 'admin', dealer_codes: '*' }, CLAIMS)).toMatchObject({ ok: false });
  });

  it('refuses a role claim that names no Threadline role, exactly', () => {
    for (const role of [undefined, null, '', 'Admin', 'ADMIN', ' admin', 'superuser', 'toString', '__proto__', 'constructor', ['admin'], { admin: true }, 1, true]) {
      const r = principalOfClaims(claims({ threadline_role: role }), CLAIMS);
      expect(r, JSON.stringify(role)).toEqual({ ok: false, reason: "The token's threadline_role claim names no Threadline role" });
    }
  });

  it('refuses a dealers claim that is missing, empty, not "*" or holds anything but dealer codes', () => {
    for (const dealers of [undefined, null, [], '', 'all', '**', ['*'], 'DET001', ['det001'], ['DET-001'], ['DET 001'], [''], ['Z'.repeat(17)], ['DET001', 7], ['DET001', null], [['DET001']], { DET001: true }, 1, true, ['DET001\n']]) {
      const r = principalOfClaims(claims({ dealer_codes: dealers }), CLAIMS);
      expect(r, JSON.stringify(dealers)).toEqual({ ok: false, reason: `The token's dealer_codes claim must be "*" or a list of dealer codes` });
    }
  });

  it('refuses a token without a subject', () => {
    for (const sub of [undefined, null, '', 42, ['user-42'], { id: 'user-42' }]) {
      expect(principalOfClaims(claims({ sub }), CLAIMS), JSON.stringify(sub)).toEqual({ ok: false, reason: 'The token has no subject' });
    }
  });

  it('checks the role before the dealers and the dealers before the subject, so that the reason names the first problem', () => {
    expect(principalOfClaims({}, CLAIMS)).toMatchObject({ ok: false, reason: expect.stringMatching(/threadline_role/) });
    expect(principalOfClaims({ threadline_role: 'admin' }, CLAIMS)).toMatchObject({ ok: false, reason: expect.stringMatching(/dealer_codes/) });
    expect(principalOfClaims({ threadline_role: 'admin', dealer_codes: '*' }, CLAIMS)).toEqual({ ok: false, reason: 'The token has no subject' });
  });
});
