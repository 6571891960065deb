import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useFixture } from '../support/fixture.js';
import { runCommand } from '../support/mailroom-process.js';
import { describeWithDovecot } from '../support/services.js';

describeWithDovecot('npm run export', (dovecot) => {
  const fixture = useFixture(dovecot);

  it('writes the period’s tickets, or its numbers, as CSV with a BOM; filters as /mail search; a bad date exits 2', async () => {
    const mbox = path.join(fixture.dir, 'history.mbox');
    writeFileSync(
      mbox,
      [
        'From taro@example.jp Mon Nov 23 09:00:00 2026\nFrom: =?UTF-8?B?5bGx55SwLCDlpKrpg44=?= <taro@example.jp>\nTo: support@example.test\nSubject: =?UTF-8?B?6KuL5rGC5pu4LCDlho3nmbrooYw=?=\nMessage-ID: <x1@example.jp>\nDate: Mon, 23 Nov 2026 09:00:00 +0900\n\nPlease.\n',
        'From hanako@example.jp Mon Nov 23 10:00:00 2026\nFrom: hanako@example.jp\nTo: support@example.test\nSubject: delivery\nMessage-ID: <x2@example.jp>\nDate: Mon, 23 Nov 2026 10:00:00 +0900\n\nWhere is my parcel?\n',
      ].join('\n'),
    );
    const imported = await runCommand('src/cli/import.ts', fixture.env(), fixture.dir, [mbox]);
    expect(imported.exitCode, imported.stderr).toBe(0);

    const all = await runCommand('src/cli/export.ts', fixture.env(), fixture.dir, ['--since', '2026-11-01']);
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.stdout.startsWith('\uFEFFnumber,mailbox,subject,customer,')).toBe(true);
    const lines = all.stdout.slice(1).split('\r\n');
    expect(lines).toHaveLength(4); // header, two tickets, and the final CRLF
    expect(lines[1]).toMatch(
      /^1,default,"請求書, 再発行",taro@example\.jp,"山田, 太郎",done,normal,,,,2026-11-23T\d\d:00:00[+-]\d\d:\d\d,/,
    );
    expect(lines[2]).toMatch(/^2,default,delivery,hanako@example\.jp,/);

    // The one mailbox there is, named: the same tickets.
    const named = await runCommand('src/cli/export.ts', fixture.env(), fixture.dir, [
      '--since',
      '2026-11-01',
      '--mailbox',
      'default',
    ]);
    expect(named.exitCode, named.stderr).toBe(0);
    expect(named.stdout).toBe(all.stdout);

    const filtered = await runCommand('src/cli/export.ts', fixture.env(), fixture.dir, [
      '--since',
      '2026-11-01',
      'from:hanako',
    ]);
    expect(filtered.stdout.slice(1).split('\r\n').slice(1, -1)).toEqual([
      expect.stringMatching(/^2,default,delivery,/),
    ]);

    const none = await runCommand('src/cli/export.ts', fixture.env(), fixture.dir, [
      '--since',
      '2026-10-01',
      '--until',
      '2026-10-31',
    ]);
    expect(none.stdout.slice(1).split('\r\n')).toHaveLength(2); // the header alone

    const out = path.join(fixture.dir, 'numbers.csv');
    const stats = await runCommand('src/cli/export.ts', fixture.env(), fixture.dir, [
      '--since',
      '2026-11-01',
      '--stats',
      '--out',
      out,
    ]);
    expect(stats.exitCode, stats.stderr).toBe(0);
    const numbers = readFileSync(out, 'utf8');
    expect(numbers.startsWith('\uFEFFgroup,key,received,replied,closed,')).toBe(true);
    expect(numbers).toContain('\r\ntotal,,2,0,2,');

    const bad = await runCommand('src/cli/export.ts', fixture.env(), fixture.dir, ['--since', '2026-13-01']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--since 2026-13-01: not a date');
    // Eight runs of a command, each starting Node and opening the database.
  }, 120_000);
});
