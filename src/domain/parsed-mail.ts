/**
 * What Mailroom reads out of a mail. Produced by parse-mail.ts (in a worker thread),
 * stored on the Message row, and used by classification, threading and the Slack views.
 */
export interface MailAddress {
  name: string;
  /** As read from a mail: lower-cased; empty when the header held no usable address. */
  address: string;
}

/** An address as mail headers write it: `Name <address>`, or the address alone. */
export function formatAddress(entry: MailAddress): string {
  return entry.name ? `${entry.name} <${entry.address}>` : entry.address;
}

export interface AttachmentInfo {
  filename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
  checksum: string;
  /** The bytes, when not above the size cap (the raw source always has them). */
  content: Uint8Array | null;
}

/** Headers that classification looks at, lower-cased names, first value each. */
export interface TriageHeaders {
  autoSubmitted?: string;
  precedence?: string;
  xAutoreply?: string;
  xAutoResponseSuppress?: string;
  listId?: string;
  listUnsubscribe?: string;
  returnPath?: string;
  /** e.g. `multipart/report; report-type=delivery-status` */
  contentType?: string;
  xFailedRecipients?: string;
}

export type SenderSource = 'from' | 'later-from' | 'sender' | 'reply-to' | 'return-path' | null;

export interface ParsedMail {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string | null;
  from: MailAddress | null;
  /**
   * Where `from` was read: the (first) From header, as it should be; else the best address
   * there was — a later From header, Sender, Reply-To or Return-Path — shown as such.
   */
  fromSource: SenderSource;
  replyTo: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  date: Date | null;
  /** Readable text: the text part, or the HTML part turned into text. */
  text: string;
  html: string | null;
  /** True when `text` was cut to the size cap. */
  textTruncated: boolean;
  attachments: AttachmentInfo[];
  headers: TriageHeaders;
  /**
   * Message-IDs of the mails a delivery report (bounce) is about, read from its attached
   * original or original headers: how a bounce of our reply finds its ticket.
   */
  reportedMessageIds: string[];
}
