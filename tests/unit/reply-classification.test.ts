// The SMS reply rules (docs/channels.md, SMS): what each reply is classified as, where it is routed, which journey
// its text names; and, property-tested with a fixed seed, that an opt-out word always wins and nothing throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyReply, guidsInReply, replyKeyword, routeOfReply, stopCodeOf, REPLY_CLASSIFICATIONS } from '../../src/domain/channels/index.ts';
import { OPT_OUT_WORDS } from '../../src/domain/journeys/index.ts';

const SEED = 20261216;
const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';

describe('classifyReply', () => {
  it.each([
    ['STOP', 'OPT_OUT'],
    ['  stop ', 'OPT_OUT'],
    ['Stop.', 'OPT_OUT'],
    ['unsubscribe', 'OPT_OUT'],
    ['STOP-FORD-202', 'OPT_OUT'],
    ['stop-ford-202', 'OPT_OUT'],
    [`STOP ${GUID}`, 'OPT_OUT'],
    ['START', 'OPT_IN'],
    ['unstop', 'OPT_IN'],
    ['Yes!', 'OPT_IN'],
    ['HELP', 'HELP'],
    ['info', 'HELP'],
    ['Can I come in tomorrow at 9?', 'APPOINTMENT_REQUEST'],
    ['I would like to book a service', 'APPOINTMENT_REQUEST'],
    ['Please reschedule my appointment', 'APPOINTMENT_REQUEST'],
    ['I can drop it off Friday', 'APPOINTMENT_REQUEST'],
    ['Cancel my appointment', 'APPOINTMENT_REQUEST'],
    ['What does the recall cover?', 'QUESTION'],
    ['how long will it take', 'QUESTION'],
    ['Is it safe to drive', 'QUESTION'],
    ['the battery light is on?', 'QUESTION'],
    ['Thanks', 'OTHER'],
    ['yes please call me', 'OTHER'],
    ['stop sending me these please', 'OTHER'],
    ['', 'OTHER'],
  ])('%j is %s', (text, expected) => {
    expect(classifyReply(text)).toBe(expected);
  });

  it('routes appointment requests to scheduling and questions to an advisor, nothing else', () => {
    expect(REPLY_CLASSIFICATIONS.map((c) => [c, routeOfReply(c)])).toEqual([
      ['OPT_OUT', null],
      ['OPT_IN', null],
      ['HELP', null],
      ['APPOINTMENT_REQUEST', 'scheduling'],
      ['QUESTION', 'advisor'],
      ['OTHER', null],
    ]);
  });

  it('classifies every STOP-family word as an opt-out, however it is cased or padded (seed printed on failure)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPT_OUT_WORDS), fc.boolean(), fc.constantFrom('', ' ', '\n', '  '), (word, lower, pad) => {
        expect(classifyReply(`${pad}${lower ? word.toLowerCase() : word}${pad}`)).toBe('OPT_OUT');
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('answers one of the classifications for any text, and never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(REPLY_CLASSIFICATIONS).toContain(classifyReply(text));
        expect(replyKeyword(text).length).toBeLessThanOrEqual(50);
        guidsInReply(text);
        stopCodeOf(text);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe('what a reply names', () => {
  it('finds full GUIDs in any case, each once, and nothing that is not one', () => {
    expect(guidsInReply(`about ${GUID.toLowerCase()}, i.e. ${GUID}.`)).toEqual([GUID]);
    expect(guidsInReply('FORD-2024-12-07-BAT-CRT-DET001-A7B9C')).toEqual([]);
    expect(guidsInReply('call me')).toEqual([]);
  });

  it('reads the code of STOP-<code>, upper case, and nothing from other replies', () => {
    expect(stopCodeOf('stop-ford-202')).toBe('FORD-202');
    expect(stopCodeOf(' STOP FORD-202. ')).toBe('FORD-202');
    expect(stopCodeOf('STOP')).toBeNull();
    expect(stopCodeOf('please stop-ford-202')).toBeNull();
  });

  it('keeps the first word as the keyword, at most 50 characters', () => {
    expect(replyKeyword('  Yes please ')).toBe('Yes');
    expect(replyKeyword('x'.repeat(80))).toHaveLength(50);
    expect(replyKeyword('')).toBe('');
  });
});
