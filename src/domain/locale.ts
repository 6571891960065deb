/** The languages Mailroom speaks, in Slack and in the mail it writes. */
export const LOCALES = ['ja', 'en'] as const;
export type TLocale = (typeof LOCALES)[number];
