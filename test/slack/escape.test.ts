/**
 * Cutting text for Slack never leaves half a character: a lone surrogate (half an emoji)
 * breaks the JSON Slack reads or shows as garbage, and half a cluster shows a wrong glyph.
 */
import { describe, expect, it } from 'vitest';
import { escapeAndTruncate, truncate } from '../../src/slack/views/escape.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('cutting text', () => {
  it('never splits an emoji (a surrogate pair) at any length', () => {
    const text = '返品😀について👩‍💻確認🇯🇵です'.repeat(20);
    for (let max = 2; max < 120; max += 1) {
      const cut = truncate(text, max);
      expect(cut.length, `max ${max}`).toBeLessThanOrEqual(max);
      expect(cut, `max ${max}`).not.toMatch(LONE_SURROGATE);
      expect(cut.endsWith('…')).toBe(true);
      const escaped = escapeAndTruncate(`<${text}>`, max);
      expect(escaped, `escaped, max ${max}`).not.toMatch(LONE_SURROGATE);
    }
  });

  it('keeps a cluster whole where it can: a flag or a person at a computer is not cut in half', () => {
    expect(truncate('ab👩‍💻cd', 5)).toBe('ab…');
    expect(truncate('ab🇯🇵cd', 5)).toBe('ab…');
    expect(truncate('short', 10)).toBe('short');
  });
});
