/**
 * The id a control carries in its value (docs/contract.md: a ticket, draft, template, template
 * version or customer id; nothing else is trusted from it). The value passes through the
 * user's client, so it is read defensively: digits only, as we wrote them.
 */
export function readActionId(value: string | null | undefined): number | null {
  return value && /^\d{1,12}$/.test(value) ? Number(value) : null;
}
