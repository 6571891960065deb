/**
 * A modal's private_metadata as we wrote it: ids only. Slack returns it as we set it, but
 * it passes through the user's client, so it is read defensively.
 */
export function readModalMetadata(text: string | undefined): { ticketId: number; draftId?: number } {
  try {
    const data = JSON.parse(text ?? '{}') as { ticketId?: unknown; draftId?: unknown };
    const id = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined);
    const draftId = id(data.draftId);
    return { ticketId: id(data.ticketId) ?? -1, ...(draftId !== undefined ? { draftId } : {}) };
  } catch {
    return { ticketId: -1 };
  }
}
