// Twilio Voice status callbacks as journey events: each CallStatus's type, a finished call's outcome, the call
// details from the StatusCallback URL, and the fields refused with their paths.
import { describe, expect, it } from 'vitest';
import { callOutcome, parseVoiceStatus, voiceTrackingEvent, type VoiceStatus } from '../../src/domain/channels/index.ts';
import { catalogueEntry } from '../../src/domain/journeys/index.ts';

const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';
const SID = 'CA' + '0123456789abcdef'.repeat(2);
const target = { guid: GUID, dealerCode: 'DET001', receivedAt: '2024-12-08T12:00:00.000Z' };

const status = (fields: Record<string, string>): VoiceStatus => {
  const parsed = parseVoiceStatus({ CallSid: SID, AccountSid: 'AC' + '0'.repeat(32), Direction: 'outbound-api', ...fields });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.violations));
  return parsed.value;
};

describe('Twilio voice status mapping', () => {
  it.each([
    ['initiated', 'CALL_INITIATED'],
    ['ringing', 'CALL_RINGING'],
    ['in-progress', 'CALL_ANSWERED'],
    ['completed', 'CALL_COMPLETED'],
    ['busy', 'CALL_COMPLETED'],
    ['no-answer', 'CALL_COMPLETED'],
    ['failed', 'CALL_COMPLETED'],
    ['canceled', 'CALL_COMPLETED'],
  ])('%s → %s, keyed by call and status, valid for the catalogue', (CallStatus, type) => {
    const e = voiceTrackingEvent(status({ CallStatus, CallDuration: '30', Timestamp: 'Sun, 08 Dec 2024 09:00:00 +0000' }), target)!;
    expect(e).toMatchObject({ event_type: type, event_id: `twilio:${SID}:${CallStatus}`, channel: 'PHONE', guid: GUID, occurred_at: '2024-12-08T09:00:00.000Z', details: { call_id: SID, provider: 'twilio' } });
    expect(catalogueEntry(type)!.details.safeParse(e.details).success).toBe(true);
  });

  it('stores no event for a status it does not map (queued)', () => {
    expect(voiceTrackingEvent(status({ CallStatus: 'queued' }), target)).toBeNull();
  });

  it.each([
    [{ CallStatus: 'completed', CallDuration: '95', AnsweredBy: 'human' }, 'connected'],
    [{ CallStatus: 'completed', CallDuration: '95' }, 'connected'],
    [{ CallStatus: 'completed', CallDuration: '95', AnsweredBy: 'unknown' }, 'connected'],
    [{ CallStatus: 'completed', CallDuration: '0' }, 'no_answer'],
    [{ CallStatus: 'completed', CallDuration: '21', AnsweredBy: 'machine_start' }, 'voicemail'],
    [{ CallStatus: 'completed', CallDuration: '21', AnsweredBy: 'machine_end_beep' }, 'voicemail'],
    [{ CallStatus: 'completed', CallDuration: '4', AnsweredBy: 'fax' }, 'failed'],
    [{ CallStatus: 'busy', CallDuration: '0' }, 'busy'],
    [{ CallStatus: 'no-answer', CallDuration: '0' }, 'no_answer'],
    [{ CallStatus: 'canceled' }, 'no_answer'],
    [{ CallStatus: 'failed' }, 'failed'],
    [{ CallStatus: 'completed', CallDuration: '300', AnsweredBy: 'human', appointment_scheduled: 'true' }, 'appointment_scheduled'],
  ])('%j → outcome %s', (fields, outcome) => {
    expect(callOutcome(status(fields))).toBe(outcome);
  });

  it("keeps the call details the sender put in the StatusCallback URL, and the agent as the actor", () => {
    const e = voiceTrackingEvent(status({ CallStatus: 'completed', CallDuration: '240', AnsweredBy: 'human', agent_id: 'agent-7', disposition: 'interested', appointment_scheduled: 'false', callback_requested: '1', sentiment_score: '0.6' }), target)!;
    expect(e.actor).toEqual({ type: 'human', id: 'agent-7' });
    expect(e.details).toEqual({
      call_id: SID, provider: 'twilio', agent_id: 'agent-7', direction: 'outbound-api', outcome: 'connected', call_status: 'completed', duration_seconds: 240, answered_by: 'human',
      disposition: 'interested', appointment_scheduled: false, callback_requested: true, sentiment_score: 0.6,
    });
    expect(catalogueEntry('CALL_COMPLETED')!.details.safeParse(e.details).success).toBe(true);
  });

  it('takes the time it reached us when Twilio sends none', () => {
    expect(voiceTrackingEvent(status({ CallStatus: 'ringing' }), target)!.occurred_at).toBe(target.receivedAt);
  });

  it('refuses what it cannot read, naming each field', () => {
    const parsed = parseVoiceStatus({ CallSid: 'nope', CallStatus: 'completed', CallDuration: '-3', Timestamp: 'soon', appointment_scheduled: 'maybe', sentiment_score: '2' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.violations.map((v) => v.path).sort()).toEqual(['CallDuration', 'CallSid', 'Timestamp', 'appointment_scheduled', 'sentiment_score']);
  });
});
