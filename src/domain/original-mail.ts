/**
 * A mail's original, as a person may ask for it from the mail's menu in Slack: its HTML,
 * sanitised (sanitize-html.ts), or its source as an .eml file, byte for byte as received.
 */
export const ORIGINAL_FORMATS = ['html', 'eml'] as const;
export type OriginalFormat = (typeof ORIGINAL_FORMATS)[number];

/** The file's name: which ticket, which mail (its row id, as the menu named it). */
export function originalFileName(ticketNumber: number, messageRowId: number, format: OriginalFormat): string {
  return `ticket-${ticketNumber}-mail-${messageRowId}.${format}`;
}

/** Inline images of a mail turned into data: URLs for its HTML, at most this many bytes in all. */
export const MAX_INLINE_IMAGE_BYTES = 10 * 1024 * 1024;

/** Image types a browser shows from data: URLs (the sanitiser's own list). */
export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/gif',
  'image/jpeg',
  'image/jpg',
  'image/webp',
  'image/bmp',
]);
