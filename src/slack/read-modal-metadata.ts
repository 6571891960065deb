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

/**
 * The ids named by `keys` in a modal's private_metadata: positive safe integers only,
 * anything else (or metadata that is not JSON) left out.
 */
export function readMetadataIds<K extends string>(
  text: string | undefined,
  keys: readonly K[],
): Partial<Record<K, number>> {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
  if (typeof data !== 'object' || data === null) return {};
  const isId = (value: unknown): value is number =>
    typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
  return Object.fromEntries(keys.flatMap((key) => (isId(data[key]) ? [[key, data[key]]] : []))) as Partial<
    Record<K, number>
  >;
}

export function readModalMetadata(text: string | undefined): ModalMetadata {
  const { ticketId = -1, ...optional } = readMetadataIds(text, ['ticketId', 'draftId', 'revision', 'customerId']);
  return { ticketId, ...optional };
}
