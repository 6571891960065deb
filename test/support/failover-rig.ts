/**
 * Several bots on one PostgreSQL database, a mailbox receiving mail all the while, and the
 * means to kill or stop the instance holding the leases and time the takeover: shared by
 * test/app/failover.test.ts and bench/failover.ts.
 *
 * Who holds what is read from each bot's own log (lease_acquired / lease_lost /
 * lease_session_lost), and who posted what from its `slack_posted` lines, whose Slack ts
 * names the message in the stand-in.
 */
import type { ImapFlow } from 'imapflow';
import { openImap, type DovecotInfo } from './dovecot.js';
import { CHANNEL_ID, type Fixture } from './fixture.js';
import { MailroomProcess } from './mailroom-process.js';
import { freePort, waitFor } from './net.js';

type LogLine = Record<string, unknown>;

const LEASE_CHANGES = new Set(['lease_acquired', 'lease_lost', 'lease_session_lost']);

export interface Takeover {
  lease: string;
  /** From the signal to the new holder's lease_acquired line. */
  ms: number;
  /** Whether the new holder saw the old one's session gone (rather than its row expire). */
  sessionGone: boolean;
  /** For a mailbox: from the signal to the new holder's IMAP connection being up. */
  connectedMs?: number;
}

/** "slack-poster 650 ms, mailbox:default 700 ms (IMAP up after 900 ms)" */
export function describeTakeovers(takeovers: readonly Takeover[]): string {
  return takeovers
    .map(
      (each) =>
        `${each.lease} ${each.ms} ms${each.connectedMs === undefined ? '' : ` (IMAP up after ${each.connectedMs} ms)`}`,
    )
    .join(', ');
}

export class FailoverRig {
  readonly instances: MailroomProcess[] = [];
  readonly subjects: string[] = [];
  #mailing: Promise<void> | undefined;
  #stopMail = false;

  constructor(
    private readonly fixture: Fixture,
    private readonly dovecot: DovecotInfo,
    private readonly databaseUrl: string,
  ) {}

  /** One more bot on the shared database (its own HTTP and metrics ports), once it has started. */
  async startInstance(): Promise<MailroomProcess> {
    const bot = new MailroomProcess(
      'src/main.ts',
      this.fixture.env({
        DATABASE_URL: this.databaseUrl,
        PORT: String(await freePort()),
        METRICS_PORT: String(await freePort()),
      }),
      this.fixture.dir,
    );
    this.instances.push(bot);
    const startedAt = Date.now();
    await bot.waitForLog('started', 60_000).catch((error: Error) => {
      const said = bot.logLines.map((line) => `${line.time as string} ${line.code as string}`).join('\n');
      throw new Error(`${error.message} (${Date.now() - startedAt} ms); its log:\n${said}\n${bot.stderr}`);
    });
    return bot;
  }

  alive(): MailroomProcess[] {
    return this.instances.filter((bot) => !bot.ended);
  }

  /** The leases a bot holds, by its last word on each. */
  static holdings(bot: MailroomProcess): string[] {
    const last = new Map<string, string>();
    for (const line of bot.logLines)
      if (LEASE_CHANGES.has(line.code as string)) last.set(line.lease as string, line.code as string);
    return [...last].filter(([, code]) => code === 'lease_acquired').map(([lease]) => lease);
  }

  /** The running bot that holds the most leases (the mailbox's, the poster's). */
  busiest(): MailroomProcess {
    const [first] = this.alive().sort((a, b) => FailoverRig.holdings(b).length - FailoverRig.holdings(a).length);
    if (!first || FailoverRig.holdings(first).length === 0) throw new Error('no running bot holds a lease');
    return first;
  }

  /** Appends a mail every `everyMs` until stopMail(), each with its own subject. */
  startMail(everyMs: number): void {
    this.#stopMail = false;
    this.#mailing = (async () => {
      const imap: ImapFlow = await openImap(this.dovecot, this.fixture.mailbox);
      try {
        while (!this.#stopMail) {
          const subject = `failover mail ${String(this.subjects.length).padStart(4, '0')}`;
          await imap.append(
            'INBOX',
            `From: customer-${this.subjects.length}@example.jp\r\nTo: ${this.fixture.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <failover-${this.subjects.length}-${Date.now()}@example.jp>\r\n\r\nbody of ${subject}\r\n`,
          );
          this.subjects.push(subject);
          await new Promise((resolve) => setTimeout(resolve, everyMs));
        }
      } finally {
        await imap.logout();
      }
    })();
  }

  async stopMail(): Promise<void> {
    this.#stopMail = true;
    await this.#mailing;
  }

  /**
   * Signals the bot holding `lease` (else the one holding the most leases) (SIGKILL: it
   * dies; SIGSTOP: it hangs) and waits until every lease it held is acquired by another
   * running bot.
   */
  async interruptHolder(
    signal: 'SIGKILL' | 'SIGSTOP',
    timeoutMs: number,
    lease?: string,
  ): Promise<{ bot: MailroomProcess; takeovers: Takeover[] }> {
    const bot = lease ? this.alive().find((each) => FailoverRig.holdings(each).includes(lease)) : this.busiest();
    if (!bot) throw new Error(`no running bot holds ${lease}`);
    const leases = FailoverRig.holdings(bot);
    const signalledAt = Date.now();
    bot.child.kill(signal);
    if (signal === 'SIGKILL') await bot.exited;
    const others = () => this.alive().filter((other) => other !== bot);
    /** The first line after the signal that `matches`, and the bot that logged it. */
    const firstAfter = (bots: MailroomProcess[], matches: (line: LogLine) => boolean) => {
      for (const other of bots) {
        const line = other.logLines.find((each) => Date.parse(each.time as string) >= signalledAt - 5 && matches(each));
        if (line) return { by: other, line };
      }
      return undefined;
    };
    const acquired = (lease: string) =>
      firstAfter(others(), (line) => line.code === 'lease_acquired' && line.lease === lease);
    await waitFor(() => leases.every((lease) => acquired(lease)), timeoutMs, `the takeover of ${leases.join(', ')}`);
    // A mailbox's work resumes when the new holder's IMAP connection is up.
    const connected = (lease: string) =>
      firstAfter(
        [acquired(lease)!.by],
        (line) => line.code === 'imap_connected' && `mailbox:${line.mailbox as string}` === lease,
      );
    const mailboxes = leases.filter((lease) => lease.startsWith('mailbox:'));
    await waitFor(() => mailboxes.every((lease) => connected(lease)), 15_000, 'the new holder connected to IMAP');
    const msOf = (line: LogLine) => Date.parse(line.time as string) - signalledAt;
    const takeovers = leases.map((lease) => {
      const { line } = acquired(lease)!;
      const imap = lease.startsWith('mailbox:') ? connected(lease) : undefined;
      return {
        lease,
        ms: msOf(line),
        sessionGone: line.from !== undefined,
        ...(imap ? { connectedMs: msOf(imap.line) } : {}),
      };
    });
    return { bot, takeovers };
  }

  /** The channel's ticket messages showing `subject`. */
  postedFor(subject: string): unknown[] {
    return this.fixture.slack
      .posted(CHANNEL_ID)
      .filter((message) => JSON.stringify(message.blocks ?? []).includes(subject));
  }

  async waitForEveryMail(timeoutMs: number): Promise<void> {
    await waitFor(
      () => this.subjects.every((subject) => this.postedFor(subject).length >= 1),
      timeoutMs,
      'every mail in Slack',
    );
  }

  /**
   * Which bot posted each of the channel's messages, in the order Slack received them
   * (undefined for one whose poster died before it could log it).
   */
  posters(): (MailroomProcess | undefined)[] {
    const byTs = new Map<string, MailroomProcess>();
    for (const bot of this.instances)
      for (const line of bot.logLines) if (line.code === 'slack_posted') byTs.set(line.ts as string, bot);
    return this.fixture.slack.messages
      .filter((message) => message.channel === CHANNEL_ID)
      .map((message) => byTs.get(message.ts));
  }

  async stop(): Promise<void> {
    await this.stopMail();
    for (const bot of this.instances) {
      bot.child.kill('SIGCONT');
      bot.child.kill('SIGKILL');
    }
    await Promise.all(this.instances.map((bot) => bot.exited));
  }
}

/** Consecutive runs of one poster: [A, A, B, B, C] gives [A, B, C]. */
export function postingTurns<T>(posters: readonly (T | undefined)[]): T[] {
  const turns: T[] = [];
  for (const poster of posters) if (poster !== undefined && turns.at(-1) !== poster) turns.push(poster);
  return turns;
}
