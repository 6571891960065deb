/**
 * How people are named in mrkdwn so that Slack notifies them: a user (U…, W…) by
 * `<@id>`, a user group (S…, a mailbox's REVIEWERS may list one) by `<!subteam^id>`.
 */
export function mention(id: string): string {
  return id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`;
}

/** Several people, space-separated (a mailbox's reviewers, say). */
export function mentions(ids: readonly string[]): string {
  return ids.map(mention).join(' ');
}

/**
 * A person named in a record (an audit line, a template version's author): `<@id>` for a
 * user id, a dash for anything else, so a stored value can never become other markup.
 */
export function userMention(userId: string | null | undefined): string {
  return userId && /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : '—';
}
