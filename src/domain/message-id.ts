import { createHash } from 'node:crypto';

/**
 * A Message-ID fit for an indexed column: brackets off, NULs out, and one longer than any
 * real one (a hostile sender can write kilobytes) replaced by its hash, so the database
 * index never refuses the mail.
 */
export function cleanMessageId(value: string | null | undefined): string | null {
  const id = value
    ?.replace(/\u0000/g, '')
    .replace(/^<|>$/g, '')
    .trim();
  if (!id) return null;
  return id.length > 250 ? `sha256:${createHash('sha256').update(id).digest('hex')}` : id;
}
