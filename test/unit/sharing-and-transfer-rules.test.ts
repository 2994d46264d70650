import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { newId } from '../../src/domain/ids.js';
import { defaultShareExpiry, shareExpiryFor } from '../../src/domain/sharing.js';
import { jobAsOf, settled, type TransferJob } from '../../src/domain/transfer.js';
import { ShareRules } from '../../src/services/sharing.js';

describe('share expiry', () => {
  it.each([
    ['mid-month', '2026-03-10T08:00:00.000Z', '2026-04-09T23:59:59.000Z'],
    ['just after midnight', '2026-03-10T00:00:01.000Z', '2026-04-09T23:59:59.000Z'],
    ['at the end of a day', '2026-03-10T23:59:59.999Z', '2026-04-09T23:59:59.000Z'],
    ['across a year end', '2026-12-15T12:00:00.000Z', '2027-01-14T23:59:59.000Z'],
    ['across February of a leap year', '2028-02-01T12:00:00.000Z', '2028-03-02T23:59:59.000Z'],
  ])('defaults to the share day + 30 days, 23:59:59 UTC (%s)', (_name, sharedAt, expected) => {
    expect(defaultShareExpiry(new Date(sharedAt)).toISOString()).toBe(expected);
  });

  const y = newId();
  const config = { shared_type: 'SHARED', expire_time: '2026-04-09T23:59:59Z', allowed_project_ids: [y] };

  it('grants a listed project until expire_time, and nothing else', () => {
    expect(shareExpiryFor(config, y, new Date('2026-04-09T23:59:58Z'))?.toISOString()).toBe('2026-04-09T23:59:59.000Z');
    expect(shareExpiryFor(config, y, new Date('2026-04-09T23:59:59Z'))).toBeUndefined();
    expect(shareExpiryFor(config, newId(), new Date('2026-01-01T00:00:00Z'))).toBeUndefined();
    for (const other of [null, { shared_type: 'PRIVATE' }, { ...config, shared_type: 'PUBLIC' }, { to: [y] }, { ...config, expire_time: 'soon' }]) {
      expect(shareExpiryFor(other, y, new Date('2026-01-01T00:00:00Z'))).toBeUndefined();
    }
  });

  it('UNSHARE removes the projects named, or the whole share', () => {
    const z = newId();
    const both = { ...config, allowed_project_ids: [y, z] };
    expect(ShareRules.without(both, [y])).toEqual({ ...config, allowed_project_ids: [z] });
    expect(ShareRules.without(both, [y, z])).toEqual({ shared_type: 'PRIVATE' });
    expect(ShareRules.without(both)).toEqual({ shared_type: 'PRIVATE' });
    expect(ShareRules.without(null, [y])).toEqual({ shared_type: 'PRIVATE' });
  });
});

describe('a transfer job as of a time', () => {
  const job: TransferJob = {
    jobId: newId(), transferType: 'TRANSFER_OUT', srcProjectId: newId(), destProjectId: newId(), backOfJobId: null, assets: [],
    state: 'PROCESSING', memo: null, reason: null, startTime: '2026-01-01T00:00:00.000Z', finishTime: null,
    expireTime: '2026-01-08T00:00:00.000Z', errorCode: null, errorMsg: null,
  };

  it('is FAIL with the expiry error from its expire_time on, while it was not answered', () => {
    expect(jobAsOf(job, '2026-01-07T23:59:59.999Z')).toBe(job);
    expect(jobAsOf(job, '2026-01-08T00:00:00.000Z')).toMatchObject({ state: 'FAIL', finishTime: job.expireTime, errorCode: 'MSS.10006007' });
    const answered = { ...job, state: 'ACCEPT' as const };
    expect(jobAsOf(answered, '2027-01-01T00:00:00.000Z')).toBe(answered);
  });

  it('settles an answer given again, waits while pending, and refuses another', () => {
    expect(settled({ ...job, state: 'ACCEPT' }, 'ACCEPT')).toBe(true);
    expect(settled(job, 'ACCEPT')).toBe(false);
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err as AppError;
      }
      throw new Error('no refusal');
    };
    expect(refusal(() => settled({ ...job, state: 'REJECT' }, 'ACCEPT')).code).toBe('MSS.10006003');
    expect(refusal(() => settled(jobAsOf(job, '2027-01-01T00:00:00.000Z'), 'CANCEL')).code).toBe('MSS.10006007');
  });
});
