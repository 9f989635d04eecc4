// Pure per-journey outcome maths: responses, drop-off, channel metrics, score, touches before the conversion.
import { describe, expect, it } from 'vitest';
import { attributeJourneys, touchesBeforeConversion } from '../../src/domain/attribution/journey-attribution.ts';
import { channelMetrics, dropOff, isResponse, journeyScore, type JourneyStatus, type TouchEvent } from '../../src/domain/journeys/journey-outcomes.ts';

const touch = (at: number, event_type: string, channel: string, direction: string, outcome: string | null = null): TouchEvent => ({
  event_id: `${event_type}-${at}`,
  channel,
  event_type,
  direction,
  at,
  outcome,
});
const status = (over: Partial<JourneyStatus> = {}): JourneyStatus => ({
  current_state: 'CONTACTED',
  previous_state: 'CREATED',
  state_entered_at: 0,
  converted: false,
  drop_states: ['ABANDONED'],
  terminal_states: ['CLOSED'],
  ...over,
});

describe('journey outcomes', () => {
  it('does not count opens or unanswered calls as responses', () => {
    expect(isResponse(touch(0, 'EMAIL_OPENED', 'EMAIL', 'inbound'))).toBe(false);
    expect(isResponse(touch(0, 'CALL_COMPLETED', 'PHONE', 'inbound', 'no_answer'))).toBe(false);
    expect(isResponse(touch(0, 'CALL_COMPLETED', 'PHONE', 'inbound', 'connected'))).toBe(true);
    expect(isResponse(touch(0, 'EMAIL_CLICKED', 'EMAIL', 'inbound'))).toBe(true);
  });

  it('finds no drop-off once a response follows the last outbound touch, nor for finished journeys', () => {
    const answered = [touch(1, 'EMAIL_SENT', 'EMAIL', 'outbound'), touch(2, 'EMAIL_CLICKED', 'EMAIL', 'inbound')];
    expect(dropOff(status(), answered)).toBeNull();
    expect(dropOff(status({ current_state: 'CLOSED' }), [touch(1, 'EMAIL_SENT', 'EMAIL', 'outbound')])).toBeNull();
    const opened = [...answered, touch(3, 'SMS_SENT', 'SMS', 'outbound'), touch(4, 'EMAIL_OPENED', 'EMAIL', 'inbound')];
    expect(dropOff(status(), opened)).toMatchObject({ reason: 'no_response', state: 'CONTACTED', unanswered_outbound: 1, last_touch: { channel: 'EMAIL' } });
  });

  it('reports the channel metrics of a journey, their contribution summing to 1', () => {
    const m = channelMetrics([touch(1, 'SMS_SENT', 'SMS', 'outbound'), touch(2, 'SMS_SENT', 'SMS', 'outbound'), touch(3, 'SMS_RECEIVED', 'SMS', 'inbound'), touch(4, 'WEBVIEW_OPENED', 'WEBVIEW', 'inbound')]);
    expect(m['SMS']).toEqual({ touches: 3, outbound: 2, responses: 1, response_rate: 0.5, contribution_score: 0.75 });
    expect(m['WEBVIEW']).toMatchObject({ response_rate: null, contribution_score: 0.25 });
  });

  it('scores 100 when converted, 0 when closed without converting, else the probability', () => {
    expect(journeyScore(true, true, null)).toBe(100);
    expect(journeyScore(false, true, 0.9)).toBe(0);
    expect(journeyScore(false, false, 0.456)).toBe(46);
    expect(journeyScore(false, false, null)).toBeNull();
  });

  it('keeps only touches at or before the conversion, and credits sum to the attributed conversions', () => {
    const p = { guid: 'a', channels: ['EMAIL', 'SMS', 'PHONE'], times: [1, 5, 9], convertedAt: 5, value: 10 };
    expect(touchesBeforeConversion(p)).toEqual({ channels: ['EMAIL', 'SMS'], times: [1, 5] });
    const noTouch = { guid: 'b', channels: ['SMS'], times: [7], convertedAt: 6, value: 5 };
    const r = attributeJourneys([p, noTouch], [{ guid: 'c', channels: ['PHONE'], times: [1], convertedAt: null, value: 0 }]);
    for (const model of Object.values(r)) {
      expect(model.conversions).toBe(1);
      expect(model.total_revenue).toBe(10);
      expect(Object.values(model.attribution).reduce((a, c) => a + c.conversions, 0)).toBeCloseTo(1, 9);
    }
  });
});
