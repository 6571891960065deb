/**
 * Text from mail, customers or configuration must reach Slack as plain text. In mrkdwn,
 * `<…>` is markup (`<!channel>` pings everyone, `<https://x|y>` disguises a link), so the
 * three control characters are escaped as Slack documents; `&` first so it is not doubled.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes, then cuts to `max` characters (marking the cut) without splitting an escape:
 * cutting before escaping would let 700 "&"s grow into 3,500 characters.
 */
export function escapeAndTruncate(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let cut = max - 1;
  const amp = escaped.lastIndexOf('&', cut);
  if (amp !== -1 && amp > cut - 5 && escaped.indexOf(';', amp) >= cut) cut = amp;
  return `${escaped.slice(0, cut)}…`;
}
