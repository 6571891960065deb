/**
 * What a reply template may be and how templates are offered: the limits of its fields
 * (Slack's, for the text), the values that say where a template may be used, and the order
 * of a list or menu. Here, below the services and the views, because the save checks the
 * limits the modal sets, and the reply modal's menu is cut after the same ordering.
 */

/** Slack's limit for a plain-text input, and so for a template's text. */
export const TEMPLATE_BODY_MAX = 3_000;
export const TEMPLATE_NAME_MAX = 100;
export const TEMPLATE_CATEGORY_MAX = 50;
export const TEMPLATE_NOTE_MAX = 500;

/** Slack's limit for options in one menu: the reply modal offers at most this many templates. */
export const TEMPLATE_CHOICES_MAX = 100;

/** The scope value of a template every mailbox shares. */
export const SHARED_SCOPE = 'shared';
/** The scope value of a template of one mailbox. */
export const mailboxScope = (key: string) => `mailbox:${key}`;

/** Sorted by category (uncategorised last), then name; one entry per category. */
export function byCategory<T extends { category: string | null; name: string }>(
  items: readonly T[],
): { category: string | null; items: T[] }[] {
  const groups = new Map<string | null, T[]>();
  for (const item of items) groups.set(item.category || null, [...(groups.get(item.category || null) ?? []), item]);
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map(([category, members]) => ({ category, items: members.sort((x, y) => x.name.localeCompare(y.name)) }));
}
