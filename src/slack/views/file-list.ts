/** Files as a reply names them in Slack: escaped names with their sizes. */
import { escapeAndTruncate } from './escape.js';

/** A size as people read it: bytes, KB or MB (1 KB = 1,024 bytes); one decimal below 10 KB and in MB. */
export function fileSizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "report.pdf (1.2 MB), photo.jpg (340 KB)": each name escaped (mrkdwn) and cut. */
export function fileListText(files: readonly { filename: string; size: number }[]): string {
  return files.map((file) => `${escapeAndTruncate(file.filename, 100)} (${fileSizeText(file.size)})`).join(', ');
}
