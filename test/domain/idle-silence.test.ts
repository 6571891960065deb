import { describe, expect, it } from 'vitest';
import { IdleSilenceWatch, SILENT_SWEEPS, type PassTrigger } from '../../src/domain/idle-silence.js';

const sweep: PassTrigger = { sweep: true, announced: false, pushed: false };
const pushed: PassTrigger = { sweep: false, announced: true, pushed: true };
const afterConnect: PassTrigger = { sweep: false, announced: false, pushed: false };
/** The server gave the new count in answer to a command (the sweep's NOOP), not during IDLE. */
const answered: PassTrigger = { sweep: false, announced: true, pushed: false };

describe('telling a silent IDLE', () => {
  it('says so once, after sweeps in a row found mail IDLE had not announced, and once when IDLE works again', () => {
    const watch = new IdleSilenceWatch();
    const findings = [];
    for (let pass = 0; pass < SILENT_SWEEPS + 3; pass++) findings.push(watch.passFoundMail(sweep));
    expect(findings.filter(Boolean)).toEqual(['silent']);
    expect(findings.indexOf('silent')).toBe(SILENT_SWEEPS - 1);
    expect(watch.silent).toBe(true);
    expect(watch.passFoundMail(pushed)).toBe('working');
    expect(watch.passFoundMail(pushed)).toBeUndefined();
    expect(watch.silent).toBe(false);
  });

  it('takes neither the pass after a connect nor a count given in answer to a command as evidence', () => {
    const watch = new IdleSilenceWatch();
    for (let pass = 0; pass < 10; pass++) {
      expect(watch.passFoundMail(afterConnect)).toBeUndefined();
      expect(watch.passFoundMail(answered)).toBeUndefined();
    }
    expect(watch.silent).toBe(false);
  });

  it('starts counting again when IDLE announces mail between sweeps that found some', () => {
    const watch = new IdleSilenceWatch();
    for (let round = 0; round < 5; round++) {
      for (let pass = 1; pass < SILENT_SWEEPS; pass++) expect(watch.passFoundMail(sweep)).toBeUndefined();
      expect(watch.passFoundMail(pushed)).toBeUndefined();
    }
    expect(watch.silent).toBe(false);
  });

  it('does not say again what an earlier run recorded, and takes it back when IDLE works', () => {
    const watch = new IdleSilenceWatch(true);
    for (let pass = 0; pass < SILENT_SWEEPS * 2; pass++) expect(watch.passFoundMail(sweep)).toBeUndefined();
    expect(watch.passFoundMail(pushed)).toBe('working');
  });
});
