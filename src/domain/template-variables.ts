/**
 * Template variables: `{{customer_name}}` and friends, filled in when a template is picked
 * in the reply modal. Pure. A variable we do not know, or one whose value is unknown for
 * this ticket (a customer without a company), stays as written, so the person writing the
 * reply sees it and fills it in rather than sending a blank.
 */
import type { TLocale } from './locale.js';

export const TEMPLATE_VARIABLES = [
  'customer_name',
  'customer_company',
  'agent_name',
  'ticket_number',
  'original_date',
  'mailbox_name',
  'mailbox_address',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

export type TemplateValues = Partial<Record<TemplateVariable, string | null | undefined>>;

/** `{{ name }}`: letters, digits and underscores, spaces inside the braces allowed. */
const VARIABLE = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

export function fillTemplate(body: string, values: TemplateValues): string {
  return body.replace(VARIABLE, (written, name: string) => {
    const value = (TEMPLATE_VARIABLES as readonly string[]).includes(name)
      ? values[name as TemplateVariable]
      : undefined;
    return value != null && value.trim() !== '' ? value : written;
  });
}

/** The names in `{{…}}` that are not variables we fill (typos, mostly). */
export function unknownVariables(body: string): string[] {
  const names = [...body.matchAll(VARIABLE)].map((match) => match[1]!);
  return [...new Set(names.filter((name) => !(TEMPLATE_VARIABLES as readonly string[]).includes(name)))];
}

/**
 * A date as the mailbox's customers write it: 2026年11月24日 in Japanese, November 24, 2026
 * in English. In the server's time zone (TZ), like every date the bot writes into mail.
 */
export function formatMailDate(date: Date, locale: TLocale, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-US', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}
