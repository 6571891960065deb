/**
 * A modal's text field, as every modal here writes one: a label, an optional hint, a
 * length limit, and the text it opens with (cut to fit; none when empty).
 */
import type { InputBlock } from '@slack/types';
import { truncate } from './escape.js';

export interface TextInputSpec {
  /** Where Slack reports the value (view.state.values[block][action]). */
  field: { block: string; action: string };
  label: string;
  hint?: string;
  optional?: boolean;
  multiline?: boolean;
  maxLength: number;
  /** What the field opens with, cut to `initialMax` (default: maxLength). */
  initial?: string | null;
  initialMax?: number;
}

export function plainText(text: string) {
  return { type: 'plain_text' as const, text };
}

export function textInput(spec: TextInputSpec): InputBlock {
  return {
    type: 'input',
    block_id: spec.field.block,
    ...(spec.optional ? { optional: true } : {}),
    label: plainText(spec.label),
    ...(spec.hint ? { hint: plainText(spec.hint) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: spec.field.action,
      ...(spec.multiline ? { multiline: true } : {}),
      max_length: spec.maxLength,
      ...(spec.initial ? { initial_value: truncate(spec.initial, spec.initialMax ?? spec.maxLength) } : {}),
    },
  };
}
