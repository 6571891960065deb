import { readMigrationList } from '../../src/db/migrations.js';
import { expect, it } from 'vitest';
import { DOVECOT_WRONG_PASSWORD } from '../support/dovecot.js';
import { useFixture } from '../support/fixture.js';
import { runCommand } from '../support/mailroom-process.js';
import { describeWithDovecot } from '../support/services.js';

describeWithDovecot('npm run doctor', (dovecot) => {
  const fixture = useFixture(dovecot);

  it('passes every check against working servers, one line each', async () => {
    const run = await runCommand('src/cli/doctor.ts', fixture.env(), fixture.dir);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual([
      'ok   configuration: 1 mailbox(es) from the environment',
      expect.stringMatching(/^ok   database: file:.*mailroom\.db does not exist yet; `npm start` creates it/),
      'ok   slack: token works: mailroom in Standin',
      'ok   slack channel default: the bot is a member of C0SUPPORT',
      expect.stringMatching(
        new RegExp(
          `^ok   imap default: signed in as ${fixture.mailbox} at 127\\.0\\.0\\.1:\\d+ with the password over STARTTLS \\(required\\); INBOX holds 0 message\\(s\\); a copy of each sent reply goes to Sent`,
        ),
      ),
      expect.stringMatching(/^ok   smtp default: 127\.0\.0\.1:\d+ accepts login as mailer over STARTTLS \(required\)/),
      'All checks passed.',
    ]);
  });

  it('says what to fix for each broken part and exits non-zero, without printing secrets', async () => {
    const run = await runCommand(
      'src/cli/doctor.ts',
      fixture.env({
        IMAP_PASSWORD: DOVECOT_WRONG_PASSWORD,
        SMTP_PASSWORD: 'wrong-smtp-password',
        SLACK_BOT_TOKEN: 'xoxb-revoked-token',
        SLACK_CHANNEL_ID: 'C0NOWHERE',
      }),
      fixture.dir,
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      `FAIL imap default: IMAP login failed for ${fixture.mailbox}: authentication rejected — check IMAP_USER and IMAP_PASSWORD`,
    );
    expect(run.stdout).toContain(
      'FAIL smtp default: SMTP login failed for mailer: authentication rejected — check SMTP_USER and SMTP_PASSWORD',
    );
    expect(run.stdout).toMatch(
      /FAIL slack: auth\.test failed: the token was refused — copy the Bot User OAuth Token again into SLACK_BOT_TOKEN/,
    );
    expect(run.stdout).toMatch(/3 check\(s\) failed\./);
    expect(run.stdout + run.stderr).not.toMatch(/wrong-password|wrong-smtp-password|xoxb-revoked-token/);
  });

  it('tells when the bot is not in the mailbox channel', async () => {
    fixture.slack.channels.set('C0LONELY', { id: 'C0LONELY', name: 'lonely', members: [] });
    const run = await runCommand('src/cli/doctor.ts', fixture.env({ SLACK_CHANNEL_ID: 'C0LONELY' }), fixture.dir);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      'FAIL slack channel default: the bot is not a member of C0LONELY — invite it in that channel with /invite @Mailroom',
    );
  });

  it('exits 2 and lists the keys when the configuration is invalid', async () => {
    const run = await runCommand(
      'src/cli/doctor.ts',
      fixture.env({ IMAP_HOST: undefined, SMTP_PORT: 'smtp' }),
      fixture.dir,
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/IMAP_HOST: missing/);
    expect(run.stderr).toMatch(/SMTP_PORT: invalid/);
  });
});

describeWithDovecot('npm run db:migrate', (dovecot) => {
  const fixture = useFixture(dovecot);

  it('applies pending migrations, then has nothing to do; doctor then reports the database current', async () => {
    const first = await runCommand('src/cli/migrate.ts', fixture.env(), fixture.dir);
    expect(first.exitCode, first.stderr).toBe(0);
    const all = readMigrationList('sqlite').migrationDirectories.map((dir) => dir.path);
    expect(first.stdout).toContain(`Applied ${all.length} migration(s) to file:`);
    expect(first.stdout).toContain(all.join(', '));
    const second = await runCommand('src/cli/migrate.ts', fixture.env(), fixture.dir);
    expect(second.stdout).toMatch(/is up to date; nothing to apply/);
    const doctor = await runCommand('src/cli/doctor.ts', fixture.env(), fixture.dir);
    expect(doctor.stdout).toMatch(/^ok   database: file:.*mailroom\.db reachable and up to date$/m);
  });
});
