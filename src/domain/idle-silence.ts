/**
 * Tells whether a server's IDLE announces new mail, from what each sync pass found and what
 * led to it. Some servers accept IDLE but never push `* N EXISTS` during it (Cyrus IMAP
 * with `idled` commented out in cyrus.conf, as Debian ships it), so new mail waits for the
 * sweep: the admin should hear of it once, with the likely cause, not once per sweep.
 */

/**
 * Sweeps in a row that found mail IDLE had not announced before IDLE counts as silent. A
 * working IDLE loses the race to a sweep for about (its delay / the sweep interval) of the
 * mails (Dovecot announces after ~0.5 s: 1 in 120 at the default 60 s, three in a row
 * about once in 1.7 million); with a sweep of a few seconds on such a server a false
 * finding becomes possible, and the next mail IDLE announces takes it back.
 */
export const SILENT_SWEEPS = 3;

/** What happened on the connection between the start of the last pass and this one's. */
export interface PassTrigger {
  /** The sweep timer asked for this pass. */
  sweep: boolean;
  /** The server reported a new message count (during IDLE or in answer to a command). */
  announced: boolean;
  /** It did so while the connection was idling: IDLE itself announced new mail. */
  pushed: boolean;
}

export const NOTHING_HEARD: PassTrigger = { sweep: false, announced: false, pushed: false };

/** `silent`: this pass makes IDLE count as silent; `working`: IDLE announced mail again. */
export type IdleFinding = 'silent' | 'working';

export class IdleSilenceWatch {
  #unannouncedSweeps = 0;
  #silent: boolean;

  /** `silent`: as found before (recorded by an earlier run), so it is not said again. */
  constructor(silent = false) {
    this.#silent = silent;
  }

  get silent(): boolean {
    return this.#silent;
  }

  /**
   * A pass that stored new mail. Only a sweep that found mail nobody announced is evidence
   * of silence; the pass after a (re)connect, or one woken by a count the server gave in
   * answer to a command, proves nothing either way. A change is returned once.
   */
  passFoundMail(trigger: PassTrigger): IdleFinding | undefined {
    if (trigger.pushed) {
      this.#unannouncedSweeps = 0;
      if (!this.#silent) return undefined;
      this.#silent = false;
      return 'working';
    }
    if (!trigger.sweep || trigger.announced) return undefined;
    this.#unannouncedSweeps += 1;
    if (this.#silent || this.#unannouncedSweeps < SILENT_SWEEPS) return undefined;
    this.#silent = true;
    return 'silent';
  }
}

/** The likely cause and what to do, for the log line and the doctor alike. */
export const IDLE_SILENT_HINT =
  'the server does not push new mail during IDLE (Cyrus IMAP: uncomment `idled` in the START section of cyrus.conf and restart it; other servers: see their IDLE or push-notification setting); until then new mail waits for the sweep, every IMAP_SWEEP_SECONDS (imap.sweepSeconds in the mailbox file)';
