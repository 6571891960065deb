/** Exit codes of the commands (docs/contract.md). */
export const EXIT = { ok: 0, failure: 1, badConfig: 2 } as const;
