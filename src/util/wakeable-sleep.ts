/**
 * Sleeps that can be cut short: a polling loop waits for its interval, or until someone
 * says there is work now (new posts queued, a reply approved). Several loops may sleep on
 * one instance at once (the Slack poster's worker per channel); `wake` ends them all.
 */
export class WakeableSleep {
  readonly #wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }

  wake(): void {
    for (const wake of this.#wakers) wake();
  }
}
