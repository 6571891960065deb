/**
 * What kind of mail this is, from its headers and addresses alone (pure). Drives what is
 * automatic: auto-replies and bounces never trigger anything automatic, mail from our own
 * address is a loop, and the sender's flags are shown on the ticket.
 */
import { ownAddressMatcher } from './own-address.js';
import type { MailAddress, ParsedMail } from './parsed-mail.js';

export interface MailFlags {
  /** RFC 3834 Auto-Submitted, X-Autoreply, out-of-office and the like. */
  autoReply: boolean;
  /** A delivery status notification (multipart/report DSN, MAILER-DAEMON). */
  bounce: boolean;
  /** Mailing-list or bulk mail. */
  list: boolean;
  /** From one of our own mailbox addresses: replying would loop. */
  fromSelf: boolean;
  freeMail: boolean;
  roleAddress: boolean;
  /** No address we could ever answer (noreply, missing or broken From). */
  unreplyable: boolean;
  /** No usable sender at all. */
  anonymous: boolean;
  /** The From header had no usable address: the sender shown came from another header. */
  fromGuessed: boolean;
  /** Over the mailbox's size cap: only the headers and the start of the text were taken. */
  oversize?: boolean;
  /**
   * A follow-up from neither the ticket's customer nor anyone on its mails (set when it is
   * committed into the ticket): shown, but it does not decide where replies go.
   */
  stranger?: boolean;
  /** Our forward of a ticket's mail to a third party (its outgoing Message row). */
  forward?: boolean;
  /** An answer to a forward of ours: an internal note in the ticket, never the customer's mail. */
  forwardAnswer?: boolean;
}

/** Consumer mail providers, Japanese carriers included. */
export const FREE_MAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.jp',
  'ymail.com',
  'hotmail.com',
  'hotmail.co.jp',
  'outlook.com',
  'outlook.jp',
  'live.com',
  'live.jp',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'mail.com',
  'proton.me',
  'protonmail.com',
  'zoho.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'qq.com',
  '163.com',
  '126.com',
  'naver.com',
  'daum.net',
  'docomo.ne.jp',
  'ezweb.ne.jp',
  'au.com',
  'softbank.ne.jp',
  'i.softbank.jp',
  'ymobile.ne.jp',
  'nifty.com',
  'biglobe.ne.jp',
  'ocn.ne.jp',
  'so-net.ne.jp',
  'excite.co.jp',
  'infoseek.jp',
]);

const ROLE_LOCAL_PARTS = new Set([
  'info',
  'support',
  'sales',
  'admin',
  'administrator',
  'contact',
  'office',
  'help',
  'helpdesk',
  'billing',
  'accounts',
  'webmaster',
  'postmaster',
  'hostmaster',
  'abuse',
  'security',
  'marketing',
  'hr',
  'jobs',
  'press',
  'service',
  'team',
  'hello',
  'enquiries',
  'inquiry',
  'noreply',
  'no-reply',
  'donotreply',
  'do-not-reply',
  'mailer-daemon',
  'notifications',
]);

const NO_REPLY = /^(no-?reply|do-?not-?reply|mailer-daemon|bounces?|notifications?)([+._-].*)?$/i;
/** Senders of web forms and site software, which mail on behalf of whoever filled the form in. */
const FORM_SENDER = /^(wordpress|forms?|web-?forms?|contact-?forms?|formmail|form-?submissions?)([+._-].*)?$/i;
const AUTO_REPLY_SUBJECT =
  /^(auto(matic)?[ -]?(reply|response)|out of (the )?office|自動(応答|返信)|不在(通知|のお知らせ)?)/i;
const BOUNCE_SUBJECT =
  /(undeliver(ed|able)|delivery (status notification|failure|has failed)|returned mail|failure notice|mail delivery failed|配信(不能|エラー))/i;

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function localPartOf(address: string): string {
  return address.slice(0, address.lastIndexOf('@')).toLowerCase();
}

function isUsable(address: MailAddress | null): address is MailAddress {
  return !!address && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address.address);
}

/** Flags of the address someone would reply to. */
export function senderFlags(
  address: MailAddress | null,
): Pick<MailFlags, 'freeMail' | 'roleAddress' | 'unreplyable' | 'anonymous'> {
  if (!isUsable(address)) return { freeMail: false, roleAddress: false, unreplyable: true, anonymous: true };
  const local = localPartOf(address.address);
  return {
    freeMail: FREE_MAIL_DOMAINS.has(domainOf(address.address)),
    roleAddress: ROLE_LOCAL_PARTS.has(local.replace(/[+].*$/, '')),
    unreplyable: NO_REPLY.test(local),
    anonymous: false,
  };
}

/** A robot that sends for someone else: a no-reply address or a web form's sender. */
function sendsOnBehalf(address: MailAddress): boolean {
  const local = localPartOf(address.address);
  return NO_REPLY.test(local) || FORM_SENDER.test(local);
}

/**
 * Whom the mail is from, as a customer: its sender (From). Anyone can write any address
 * into Reply-To, so it names the customer only when From is a robot sending on someone's
 * behalf (a web form's noreply@ or wordpress@), or when there is no usable From.
 */
export function customerAddressOf(mail: Pick<ParsedMail, 'from' | 'replyTo'>): MailAddress | null {
  const from = isUsable(mail.from) ? mail.from : null;
  if (isUsable(mail.replyTo) && (!from || sendsOnBehalf(from))) return mail.replyTo;
  return from;
}

/** Where a reply goes (RFC 5322 3.6.2): Reply-To when there is one, else From. */
function replyAddressOf(mail: Pick<ParsedMail, 'from' | 'replyTo'>): MailAddress | null {
  if (isUsable(mail.replyTo)) return mail.replyTo;
  return isUsable(mail.from) ? mail.from : null;
}

/** A stored mail's Reply-To when it is not its sender: a reply goes elsewhere than the mail came from. */
export function differingReplyTo(mail: { fromAddress: string | null; replyTo: string | null }): string | null {
  const replyTo = mail.replyTo?.trim().toLowerCase();
  return replyTo && replyTo !== mail.fromAddress?.trim().toLowerCase() ? replyTo : null;
}

export function classifyMail(mail: ParsedMail, ownAddresses: readonly string[]): MailFlags {
  const h = mail.headers;
  const lower = (value: string | undefined) => (value ?? '').trim().toLowerCase();
  const from = mail.from?.address ?? '';
  const isOwn = ownAddressMatcher(ownAddresses);
  const contentType = lower(h.contentType);

  const bounce =
    (contentType.startsWith('multipart/report') && contentType.includes('delivery-status')) ||
    h.xFailedRecipients !== undefined ||
    (/^(mailer-daemon|postmaster)@/i.test(from) && BOUNCE_SUBJECT.test(mail.subject ?? '')) ||
    (lower(h.returnPath) === '<>' && BOUNCE_SUBJECT.test(mail.subject ?? ''));
  const autoSubmitted = lower(h.autoSubmitted);
  const precedence = lower(h.precedence);
  const autoReply =
    !bounce &&
    ((autoSubmitted !== '' && autoSubmitted !== 'no') ||
      h.xAutoreply !== undefined ||
      precedence === 'auto_reply' ||
      AUTO_REPLY_SUBJECT.test((mail.subject ?? '').trim()));
  const list =
    h.listId !== undefined ||
    h.listUnsubscribe !== undefined ||
    precedence === 'list' ||
    precedence === 'bulk' ||
    precedence === 'junk';
  const sender = senderFlags(replyAddressOf(mail));
  return {
    autoReply,
    bounce,
    list,
    fromSelf: (from !== '' && isOwn(from)) || (mail.replyTo !== null && isOwn(mail.replyTo.address)),
    ...sender,
    unreplyable: sender.unreplyable || bounce,
    fromGuessed: mail.fromSource !== null && mail.fromSource !== 'from',
  };
}
