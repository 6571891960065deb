/**
 * Runs an async task one at a time. A request while it runs is remembered (once, however
 * many arrive) and served by one more run right after: nothing asked for is missed, and
 * work never overlaps. Used for IMAP sync passes and the ingest queue.
 */
export class CoalescingRunner {
  #running = false;
  #again = false;
  #current: Promise<void> = Promise.resolve();

  /** `onError` gets whatever a run throws; the next request runs regardless. */
  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  request(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#current = this.task()
      .catch(this.onError)
      .finally(() => {
        this.#running = false;
        if (this.#again) {
          this.#again = false;
          this.request();
        }
      });
  }

  /** A request came in during the run in progress: another run follows it. */
  get pending(): boolean {
    return this.#again;
  }

  /** Resolves when the run in progress (if any) has ended. */
  settled(): Promise<void> {
    return this.#current;
  }
}
