import type { KnownBlock } from '@slack/types';

/** A message as chat.postMessage, chat.update and response_url take it: fallback text and blocks. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}
