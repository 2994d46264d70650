import { describe, expect, it } from 'vitest';
import { apiTime } from '../../src/http/presenters.js';
import { isoTime, secondsTime } from '../../src/domain/time.js';

describe('apiTime', () => {
  it('shows a stored time at seconds precision, as a Date would print it', () => {
    for (const at of [new Date(Date.UTC(2026, 11, 7, 4, 5, 6, 789)), new Date(0), new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999))]) {
      expect(apiTime(isoTime(at))).toBe(secondsTime(at));
    }
    expect(apiTime('2026-12-07T04:05:06.789Z')).toBe('2026-12-07T04:05:06Z');
  });

  it('reads other forms through Date', () => {
    expect(apiTime('2026-12-07T04:05:06Z')).toBe('2026-12-07T04:05:06Z');
    expect(apiTime('2026-12-07T06:05:06.5+02:00')).toBe('2026-12-07T04:05:06Z');
  });
});
