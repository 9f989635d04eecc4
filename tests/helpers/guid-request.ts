// A GUID request for a fixed risk event (BAT, HIGH, 2024-12-07): tests vary the vehicle and what they need.
import type { GuidRequest } from '../../src/application/journeys/guid-issuer.ts';

export const guidRequest = (vin: string, overrides: Partial<GuidRequest> = {}): GuidRequest => ({
  prefix: 'FORD',
  vin,
  dealer_code: 'DET001',
  customer_id: null,
  risk_event: { component_code: 'BAT', severity: 'HIGH', risk_score: 1, timestamp: '2024-12-07T10:00:00Z' },
  idempotencyKey: null,
  now: new Date('2024-12-07T10:05:00Z'),
  ...overrides,
});
