// The web-view funnel fold: a conversation's events -> its runs with step visits, and what each step counts for.
// Every expected value here is worked out by hand from the events listed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldWebviewFunnel, funnelEventOf, funnelEventOfCreation, runSteps, type FunnelEvent } from '../../src/domain/conversations/index.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S = 1000;
const at = (seconds: number) => new Date(T0 + seconds * S).toISOString();

let n = 0;
const ev = (type: string, seconds: number, details: Record<string, unknown> = {}, id = `e${n++}`): FunnelEvent => {
  const e = funnelEventOf({ event_id: id, event_type: type, occurred_at: at(seconds), details });
  if (!e) throw new Error(`${type} ${JSON.stringify(details)} is no funnel event`);
  return e;
};
const W = 'booking';
const open = (s: number) => ev('WEBVIEW_OPENED', s, { webview_id: W });
const step = (s: number, name: string, step_index?: number) => ev('WEBVIEW_STEP', s, { webview_id: W, step: name, ...(step_index === undefined ? {} : { step_index }) });
const exit = (s: number, reason?: string, name?: string) => ev('WEBVIEW_EXIT', s, { webview_id: W, ...(reason ? { reason } : {}), ...(name ? { step: name } : {}) });
const done = (s: number) => ev('WEBVIEW_COMPLETED', s, { webview_id: W });
const escalate = (s: number, name?: string, team?: string) => ev('ESCALATION_REQUESTED', s, { reason: 'customer_request', webview_id: W, ...(name ? { step: name } : {}), ...(team ? { team } : {}) });

/** The one run's steps as [step, status, time in seconds, visits]. */
const stepsOf = (events: FunnelEvent[], run = 0) => runSteps(foldWebviewFunnel(events).runs[run]!).map((s) => [s.step, s.status, s.time_ms === null ? null : s.time_ms / S, s.visits]);

describe('web-view runs', () => {
  it('walks a completed flow: each visit ends when the next step starts, the last at completion', () => {
    const { runs } = foldWebviewFunnel([open(0), step(10, 'vehicle', 0), step(60, 'slot', 1), step(180, 'confirm', 2), done(240)]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ webview_id: W, seq: 0, opened_at: T0, implicit_open: false, ended_at: T0 + 240 * S, outcome: 'completed', exit_reason: null });
    expect(runs[0]!.visits.map((v) => [v.step, (v.entered - T0) / S, (v.left! - T0) / S, v.outcome])).toEqual([
      ['vehicle', 10, 60, 'continued'],
      ['slot', 60, 180, 'continued'],
      ['confirm', 180, 240, 'completed'],
    ]);
    expect(stepsOf([open(0), step(10, 'vehicle', 0), step(60, 'slot', 1), step(180, 'confirm', 2), done(240)])).toEqual([
      ['vehicle', 'completed', 50, 1],
      ['slot', 'completed', 120, 1],
      ['confirm', 'completed', 60, 1],
    ]);
  });

  it('drops at the step it exits on, with the reason; steps before it were completed', () => {
    const events = [open(0), step(5, 'vehicle'), step(35, 'slot'), exit(95, 'no_slots')];
    expect(foldWebviewFunnel(events).runs[0]).toMatchObject({ outcome: 'exited', exit_reason: 'no_slots', ended_at: T0 + 95 * S });
    expect(stepsOf(events)).toEqual([
      ['vehicle', 'completed', 30, 1],
      ['slot', 'exited', 60, 1],
    ]);
    expect(runSteps(foldWebviewFunnel(events).runs[0]!)[1]!.exit_reason).toBe('no_slots');
  });

  it('counts a step visited twice (the back button) once, with the time of both visits', () => {
    const events = [open(0), step(0, 'vehicle'), step(20, 'slot'), step(50, 'vehicle'), step(60, 'slot'), step(100, 'confirm'), done(110)];
    expect(foldWebviewFunnel(events).runs[0]!.visits.map((v) => v.outcome)).toEqual(['continued', 'continued', 'continued', 'continued', 'completed']);
    expect(stepsOf(events)).toEqual([
      ['vehicle', 'completed', 20 + 10, 2],
      ['slot', 'completed', 30 + 40, 2],
      ['confirm', 'completed', 10, 1],
    ]);
  });

  it('a step the user went back from, when the run ends before it, went back', () => {
    expect(stepsOf([open(0), step(0, 'vehicle'), step(20, 'slot'), step(50, 'vehicle'), exit(80, 'changed_mind')])).toEqual([
      ['vehicle', 'exited', 20 + 30, 2],
      ['slot', 'went_back', 30, 1],
    ]);
  });

  it('orders steps by step_index when the page gives it, else by the order they were reached', () => {
    // vehicle -> confirm -> slot, exit at slot: with indexes, confirm (2) is past slot (1), so it went back.
    expect(stepsOf([open(0), step(0, 'vehicle', 0), step(10, 'confirm', 2), step(30, 'slot', 1), exit(40)]).map((s) => s.slice(0, 2))).toEqual([
      ['vehicle', 'completed'],
      ['confirm', 'went_back'],
      ['slot', 'exited'],
    ]);
    // Without indexes slot was reached after confirm, so the run went on past confirm.
    expect(stepsOf([open(0), step(0, 'vehicle'), step(10, 'confirm'), step(30, 'slot'), exit(40)]).map((s) => s[1])).toEqual(['completed', 'completed', 'exited']);
  });

  it('escalates at the step the escalation names, ending the visit there', () => {
    const events = [open(0), step(0, 'vehicle'), step(30, 'slot'), escalate(90, 'confirm')];
    const run = foldWebviewFunnel(events).runs[0]!;
    expect(run).toMatchObject({ outcome: 'escalated', ended_at: T0 + 90 * S });
    expect(run.visits.map((v) => [v.step, v.outcome])).toEqual([['vehicle', 'continued'], ['slot', 'continued'], ['confirm', 'escalated']]);
    expect(stepsOf(events)).toEqual([
      ['vehicle', 'completed', 30, 1],
      ['slot', 'completed', 60, 1],
      ['confirm', 'escalated', 0, 1],
    ]);
    // Without a step named, the step the run is on.
    expect(stepsOf([open(0), step(0, 'vehicle'), step(30, 'slot'), escalate(90)]).at(-1)).toEqual(['slot', 'escalated', 60, 1]);
  });

  it('leaves a run nobody finished abandoned: its last visit has no end and no time', () => {
    const events = [open(0), step(0, 'vehicle'), step(40, 'slot')];
    expect(foldWebviewFunnel(events).runs[0]).toMatchObject({ outcome: 'abandoned', ended_at: null });
    expect(stepsOf(events)).toEqual([
      ['vehicle', 'completed', 40, 1],
      ['slot', 'abandoned', null, 1],
    ]);
  });

  it('folds by event time: any arrival order gives the same runs (property)', () => {
    const events = [open(0), step(0, 'vehicle'), step(20, 'slot'), step(50, 'vehicle'), exit(80, 'changed_mind'), open(300), step(301, 'vehicle'), done(400)];
    const expected = foldWebviewFunnel(events);
    expect(expected.runs.map((r) => r.outcome)).toEqual(['exited', 'completed']);
    fc.assert(fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (shuffled) => {
      expect(foldWebviewFunnel(shuffled)).toEqual(expected);
    }), { seed: 17, numRuns: 200 });
  });
});

describe('re-opens, steps without an open, exit intents', () => {
  it('a re-open while a run is in progress is the same run; after the run ended it is a new one', () => {
    const { runs } = foldWebviewFunnel([open(0), step(0, 'vehicle'), open(30), step(40, 'slot'), exit(50), open(100), step(100, 'vehicle'), done(130)]);
    expect(runs.map((r) => [r.seq, (r.opened_at - T0) / S, r.outcome, r.visits.map((v) => v.step)])).toEqual([
      [0, 0, 'exited', ['vehicle', 'slot']],
      [1, 100, 'completed', ['vehicle']],
    ]);
  });

  it('steps without an open make a run opened at the first of them', () => {
    const { runs } = foldWebviewFunnel([step(7, 'vehicle'), step(9, 'slot'), done(12)]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ opened_at: T0 + 7 * S, implicit_open: true, outcome: 'completed' });
  });

  it('a step after an exit, with no open between, undoes the exit: the user came back', () => {
    const events = [open(0), step(0, 'vehicle'), exit(20, 'pagehide'), step(80, 'slot'), done(90)];
    const { runs } = foldWebviewFunnel(events);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ outcome: 'completed', exit_reason: null });
    expect(stepsOf(events)).toEqual([
      ['vehicle', 'completed', 80, 1],
      ['slot', 'completed', 10, 1],
    ]);
  });

  it('a second exit changes nothing; events after a completion or an escalation open nothing', () => {
    const { runs } = foldWebviewFunnel([open(0), step(0, 'slot'), exit(10, 'too_long'), exit(11, 'pagehide')]);
    expect(runs.map((r) => [r.outcome, r.exit_reason, (r.ended_at! - T0) / S])).toEqual([['exited', 'too_long', 10]]);
    expect(foldWebviewFunnel([open(0), step(0, 'slot'), done(10), step(20, 'thanks'), exit(30)]).runs.map((r) => [r.outcome, r.visits.length])).toEqual([['completed', 1]]);
    expect(foldWebviewFunnel([open(0), escalate(5), step(20, 'slot')]).runs.map((r) => [r.outcome, r.visits.length])).toEqual([['escalated', 0]]);
  });

  it('an exit naming a step the run never reported is an exit on that step', () => {
    expect(stepsOf([open(0), step(0, 'vehicle'), exit(30, 'price', 'payment')])).toEqual([
      ['vehicle', 'completed', 30, 1],
      ['payment', 'exited', 0, 1],
    ]);
    // An exit before any step: a dropped run with no step.
    expect(foldWebviewFunnel([open(0), exit(3)]).runs.map((r) => [r.outcome, r.visits.length])).toEqual([['exited', 0]]);
  });

  it('keeps each web view its own runs; escalations and categories without a web view are the conversation’s', () => {
    const other = ev('WEBVIEW_OPENED', 5, { webview_id: 'payment' });
    // An escalation naming no web view (the customer asked for an agent in the chat) ends no run; its team counts.
    const { runs } = foldWebviewFunnel([open(0), other, ev('ESCALATION_REQUESTED', 10, { reason: 'bot_fallback', team: 'service' })]);
    expect(runs.map((r) => [r.webview_id, r.outcome, r.team])).toEqual([
      [W, 'abandoned', 'service'],
      ['payment', 'abandoned', 'service'],
    ]);
  });
});

describe('team and categories', () => {
  const created = funnelEventOfCreation(at(-100), { department: 'service', query_nature: 'booking' })!;

  it('carries the newest category values by event time, field by field', () => {
    const late = ev('CATEGORIES_UPDATED', 50, { query_nature: 'recall' });
    const older = ev('CATEGORIES_UPDATED', 20, { department: 'sales', query_nature: 'quote' });
    expect(foldWebviewFunnel([late, open(0), created, older])).toMatchObject({ department: 'sales', query_nature: 'recall' });
    expect(funnelEventOfCreation(at(0), { language: 'en' } as never)).toBeNull();
  });

  it('gives a run the team the conversation had when it opened, else the first team it reached after', () => {
    const assigned = ev('AGENT_ASSIGNED', -50, { agent_id: 'a1', team: 'sales' });
    const handover = ev('HANDOVER', 200, { to_team: 'service' });
    const events = [created, assigned, open(0), escalate(30, 'slot', 'billing'), handover, open(300)];
    expect(foldWebviewFunnel(events).runs.map((r) => r.team)).toEqual(['sales', 'service']);
    expect(foldWebviewFunnel([open(0), escalate(30, 'slot', 'billing'), handover]).runs.map((r) => r.team)).toEqual(['billing']);
    expect(foldWebviewFunnel([open(0)]).runs[0]!.team).toBeNull();
  });

  it('reads only the facts it needs from tracking events', () => {
    expect(funnelEventOf({ event_id: 'x', event_type: 'MESSAGE_RECEIVED', occurred_at: at(0), details: { source: 'webchat' } })).toBeNull();
    expect(funnelEventOf({ event_id: 'x', event_type: 'AGENT_ASSIGNED', occurred_at: at(0), details: { agent_id: 'a' } })).toBeNull();
    expect(funnelEventOf({ event_id: 'x', event_type: 'ESCALATION_REQUESTED', occurred_at: at(0), details: { reason: 'policy' } })).toBeNull();
    expect(funnelEventOf({ event_id: 'x', event_type: 'WEBVIEW_STEP', occurred_at: at(0), details: { webview_id: W, step: 'a', step_index: 3 } })).toMatchObject({ webview_id: W, step: 'a', step_index: 3, at: T0 });
  });
});
