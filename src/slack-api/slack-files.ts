/**
 * Slack files a reply attaches: what files.info says of one (name, type, size, where its
 * bytes are), and its bytes, downloaded from url_private_download with the bot token as
 * Slack requires (files:read). A file that is gone, or that the bot may not see, is null.
 */
import type { WebClient } from '@slack/web-api';

/** How long a download may take before it is given up (a 20 MB file takes seconds). */
const DOWNLOAD_TIMEOUT_MS = 120_000;

export interface SlackFileInfo {
  id: string;
  name: string;
  mimetype: string;
  size: number;
  /** Who shared it. */
  user: string | null;
  downloadUrl: string;
}

export interface SlackFiles {
  /** The file as Slack describes it now, or null when it is gone or hidden from the bot. */
  info(fileId: string): Promise<SlackFileInfo | null>;
  /** The file's bytes, or null when Slack would not give them (gone, or not what files.info said). */
  download(file: Pick<SlackFileInfo, 'downloadUrl' | 'size'>): Promise<Buffer | null>;
}

/** Slack's answers for a file the bot cannot have: not an outage, the file is unavailable. */
const UNAVAILABLE = new Set(['file_not_found', 'file_deleted', 'access_denied', 'not_visible']);

/**
 * The body read straight into one buffer of the announced size (a 20 MB file is held once,
 * not as chunks and then their copy); null when it is not that size (Slack's sign-in page
 * instead of the file, or a file that changed).
 */
async function readExactly(response: Response, size: number): Promise<Buffer | null> {
  const bytes = Buffer.allocUnsafeSlow(size);
  let offset = 0;
  const reader = response.body?.getReader();
  if (!reader) return size === 0 ? bytes : null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (offset + value.byteLength > size) {
      await reader.cancel();
      return null;
    }
    bytes.set(value, offset);
    offset += value.byteLength;
  }
  return offset === size ? bytes : null;
}

export function createSlackFiles(client: WebClient): SlackFiles {
  return {
    async info(fileId) {
      try {
        const { file } = await client.files.info({ file: fileId, limit: 1 });
        if (!file?.id || !file.url_private_download) return null;
        return {
          id: file.id,
          name: file.name ?? file.title ?? file.id,
          mimetype: file.mimetype || 'application/octet-stream',
          size: file.size ?? 0,
          user: file.user ?? null,
          downloadUrl: file.url_private_download,
        };
      } catch (error) {
        if (UNAVAILABLE.has((error as { data?: { error?: string } }).data?.error ?? '')) return null;
        throw error;
      }
    },
    async download(file) {
      const response = await fetch(file.downloadUrl, {
        headers: { authorization: `Bearer ${client.token ?? ''}` },
        signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
      });
      if (response.status === 404 || response.status === 403 || response.status === 410) return null;
      if (!response.ok) throw new Error(`file download answered ${response.status}`);
      return readExactly(response, file.size);
    },
  };
}
