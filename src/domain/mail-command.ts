/**
 * What a `/mail …` command asks for. Pure: the listener passes the command text, a service
 * acts on the result.
 */
export const MAIL_SUBCOMMANDS = [
  'help',
  'search',
  'customer',
  'stats',
  'template',
  'new',
  'export',
  'forget',
  'export-customer',
] as const;
export type MailSubcommand = (typeof MAIL_SUBCOMMANDS)[number];

export type MailCommand = { kind: MailSubcommand; args: string } | { kind: 'unknown'; subcommand: string };

export function parseMailCommand(text: string): MailCommand {
  const trimmed = text.trim();
  const [first = 'help', ...rest] = trimmed.split(/\s+/);
  const subcommand = first.toLowerCase();
  const args = rest.join(' ');
  if (trimmed === '') return { kind: 'help', args: '' };
  return (MAIL_SUBCOMMANDS as readonly string[]).includes(subcommand)
    ? { kind: subcommand as MailSubcommand, args }
    : { kind: 'unknown', subcommand: first };
}
