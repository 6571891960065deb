/**
 * A forward's own words: its subject (`Fwd: ` once, whatever the mail's subject already
 * says) and the forwarded-message block mail clients write above the forwarded text
 * (From, Date, Subject, To), in the mailbox's language. Pure.
 */
import type { TLocale } from './locale.js';
import { formatAddress, type MailAddress } from './parsed-mail.js';

/** The forwarded mail as the modal and the reviewer see it: its headers, text and files. */
export interface ForwardedMail {
  /** Its Message row id. */
  id: number;
  headers: ForwardedHeaders;
  text: string;
  attachments: { filename: string; size: number }[];
}

/** Fwd:, Fw:, 転送: in any case, with an ASCII or full-width colon; a Re: before it too. */
const ALREADY_FORWARD = /^\s*(?:re\s*[:：]\s*)?(?:fwd?|転送)\s*[:：]/i;

export function forwardSubject(original: string | null | undefined): string {
  const subject = (original ?? '').trim();
  if (!subject) return 'Fwd:';
  return ALREADY_FORWARD.test(subject) ? subject : `Fwd: ${subject}`;
}

/** The forwarded mail's headers, as the forward's text and HTML show them. */
export interface ForwardedHeaders {
  from: MailAddress | null;
  to: readonly MailAddress[];
  cc: readonly MailAddress[];
  subject: string | null;
  date: Date;
}

const LABELS: Record<TLocale, { title: string; from: string; date: string; subject: string; to: string; cc: string }> =
  {
    en: {
      title: '---------- Forwarded message ----------',
      from: 'From',
      date: 'Date',
      subject: 'Subject',
      to: 'To',
      cc: 'Cc',
    },
    ja: {
      title: '---------- 転送メッセージ ----------',
      from: '差出人',
      date: '日付',
      subject: '件名',
      to: '宛先',
      cc: 'Cc',
    },
  };

/** The block's lines: its title, then From, Date, Subject, To (and Cc when there was one). */
export function forwardedBlockLines(headers: ForwardedHeaders, locale: TLocale, dateText: string): string[] {
  const label = LABELS[locale];
  return [
    label.title,
    `${label.from}: ${headers.from ? formatAddress(headers.from) : ''}`,
    `${label.date}: ${dateText}`,
    `${label.subject}: ${headers.subject ?? ''}`,
    `${label.to}: ${headers.to.map(formatAddress).join(', ')}`,
    ...(headers.cc.length ? [`${label.cc}: ${headers.cc.map(formatAddress).join(', ')}`] : []),
  ];
}
