/**
 * Tells a mail's own words apart from what it quotes and from its signature, for display
 * only: the three parts put back together are the text exactly as it came.
 *
 * Quotes are recognised by their introduction line in English or Japanese mail clients
 * ("On … wrote:", "2026年11月23日(月) 9:00 山田 <…>:", "-----Original Message-----",
 * Outlook's "From:"/"差出人:" header block) or by a trailing run of ">" lines. Signatures
 * by the standard "-- " line or a separator line near the end.
 */
export interface SplitText {
  main: string;
  signature: string;
  quoted: string;
}

const QUOTE_INTRO = [
  /^On .{3,300}wrote:\s*$/,
  /^.{0,80}\d{4}[年/.-]\s?\d{1,2}[月/.-]\s?\d{1,2}日?.{0,200}(wrote|書きました|書き込みました)?[:：]\s*$/,
  /^-{2,}\s*(Original Message|Forwarded message|元のメッセージ|転送されたメッセージ)\s*-{2,}\s*$/i,
  /^(From|差出人|送信者)[:：]\s.+$/,
  /^_{20,}\s*$/,
];
const SEPARATOR = /^\s*([-=_*~━─＿＝ー])\1{9,}\s*$/;
const SIGNATURE_WINDOW = 15;

function quoteStart(lines: string[]): number {
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (QUOTE_INTRO.some((pattern) => pattern.test(line))) {
      // "From:" only counts as Outlook's quoted header block when more header lines follow.
      if (
        /^(From|差出人|送信者)[:：]/.test(line) &&
        !/^(Sent|To|Date|Subject|送信日時|宛先|件名)[:：]/.test(lines[i + 1] ?? '')
      )
        continue;
      return i;
    }
  }
  // A trailing block of ">" lines (blank lines allowed inside).
  let start = lines.length;
  for (let i = lines.length - 1; i > 0; i -= 1) {
    const line = lines[i]!;
    if (/^\s*>/.test(line)) start = i;
    else if (line.trim() !== '' || start === lines.length) break;
  }
  if (start < lines.length) return start;
  return lines.length;
}

function signatureStart(lines: string[], end: number): number {
  // The first delimiter within the last lines: a signature framed by two separators starts
  // at the upper one.
  for (let i = Math.max(1, end - SIGNATURE_WINDOW); i < end; i += 1) {
    const line = lines[i]!;
    if (line === '-- ' || line === '--' || SEPARATOR.test(line)) return i;
  }
  return end;
}

export function splitQuote(text: string): SplitText {
  const lines = text.split('\n');
  const quote = quoteStart(lines);
  const signature = signatureStart(lines, quote);
  const join = (from: number, to: number) => lines.slice(from, to).join('\n');
  const main = join(0, signature);
  const sig = signature < quote ? join(signature, quote) : '';
  const quoted = quote < lines.length ? join(quote, lines.length) : '';
  // Rejoin with the line breaks that were between the parts, so nothing is lost.
  return {
    main,
    signature: sig ? `\n${sig}` : '',
    quoted: quoted ? `\n${quoted}` : '',
  };
}
