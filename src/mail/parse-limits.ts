/**
 * How much of a mail the parser keeps. Apart from parse-mail.ts so that the main thread,
 * which only passes limits on to the parse workers, does not load mailparser itself.
 */
export interface ParseLimits {
  /** Characters of text kept; longer text is cut and flagged. */
  maxTextChars: number;
  /** HTML above this many characters is not converted to text (mailparser's own guard). */
  maxHtmlChars: number;
  /**
   * Attachments up to this size keep a copy of their content for quick use; larger ones
   * are read from the stored raw source when needed, so a big file is not held twice (nor
   * gathered in the worker at all: see collect-mail.ts).
   */
  maxAttachmentBytes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxTextChars: 1_000_000,
  maxHtmlChars: 5_000_000,
  maxAttachmentBytes: 2 * 1024 * 1024,
};
