/**
 * Text from mail, customers or configuration must reach Slack as plain text. In mrkdwn,
 * `<…>` is markup (`<!channel>` pings everyone, `<https://x|y>` disguises a link), so the
 * three control characters are escaped as Slack documents; `&` first so it is not doubled.
 * Here, below the views, because what fits in a message is counted on escaped text
 * (the ticket preview, a draft shown whole).
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
