/**
 * A sender's display name is chosen by the sender, so it must not be able to pose as
 * something else in Slack: line breaks (a second "From" line), bidi overrides (text shown
 * reversed), zero-width characters (look-alike names), backticks (our flag badges) and the
 * ‹address› brackets we draw are taken out or replaced. What is left is shown after the
 * real address, never in place of it.
 */

/** C0 and C1 controls, line and paragraph separators. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Bidi embeddings, overrides, isolates and marks. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Zero-width and invisible formatting characters. */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]/g;

export function cleanDisplayName(name: string): string {
  return name
    .replace(CONTROLS, ' ')
    .replace(BIDI, '')
    .replace(INVISIBLE, '')
    .replace(/`/g, "'")
    .replace(/[‹›«»]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

const ADDRESS_IN_TEXT = /[^\s@<>()"',;:]+@[^\s@<>()"',;:]+\.[^\s@<>()"',;:]+/g;

/** The name carries an address that is not the sender's (“Acme Billing billing@acme.example”). */
export function nameShowsOtherAddress(name: string, address: string): boolean {
  const own = address.trim().toLowerCase();
  return (cleanDisplayName(name).match(ADDRESS_IN_TEXT) ?? []).some((found) => found.toLowerCase() !== own);
}
