// Request bodies shared by the benchmarks.
import { randomInt } from 'node:crypto';

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const COMPONENTS = ['BAT', 'BRK', 'ENG', 'TRN', 'SUS', 'EVB', 'STR', 'COO'];
const randomVin = () => Array.from({ length: 17 }, () => VIN_CHARS[randomInt(VIN_CHARS.length)]).join('');
/** A generate-guid body for a new risk event: a random VIN and time, so each one issues a new GUID. */
export const guidBody = () => ({
  vin: randomVin(),
  dealer_code: 'DET001',
  risk_event: {
    component_code: COMPONENTS[randomInt(COMPONENTS.length)],
    severity: 'HIGH',
    risk_score: 80,
    timestamp: new Date(Date.UTC(2024, 11, 7, 10) + randomInt(1_000_000) * 1000).toISOString(),
  },
});
