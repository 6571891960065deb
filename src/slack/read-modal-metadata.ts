/**
 * A modal's private_metadata as we wrote it: ids only. Slack returns it as we set it, but
 * it passes through the user's client, so it is read defensively.
 */
export interface ModalMetadata {
  /** -1 when absent: no ticket has it, so the service answers that it is gone. */
  ticketId: number;
  draftId?: number;
  revision?: number;
  customerId?: number;
}

export function readModalMetadata(text: string | undefined): ModalMetadata {
  try {
    const data = JSON.parse(text || '{}') as Record<string, unknown>;
    const id = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined);
    const optional = Object.fromEntries((['draftId', 'revision', 'customerId'] as const).flatMap((key) => (id(data[key]) === undefined ? [] : [[key, id(data[key])]])));
    return { ticketId: id(data.ticketId) ?? -1, ...optional };
  } catch {
    return { ticketId: -1 };
  }
}
