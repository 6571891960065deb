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
      // Read once into one buffer (no copy): a 20 MB file is held once, until the mail is built.
      const bytes = Buffer.from(await response.arrayBuffer());
      return bytes.length === file.size ? bytes : null;
    },
  };
}
