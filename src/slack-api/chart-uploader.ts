import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { uploadToSlack } from './upload-file.js';

/**
 * Uploads chart images through files upload v2 (getUploadURLExternal, the bytes, then
 * completeUploadExternal without a channel), once per distinct picture: the same numbers
 * give the same PNG, so every Home tab showing them shares one file.
 */
export function createChartUploader(client: WebClient, max = 500): (png: Buffer) => Promise<string | null> {
  const uploaded = new Map<string, string>();
  return async (png) => {
    const key = createHash('sha256').update(png).digest('hex');
    const known = uploaded.get(key);
    if (known) return known;
    const fileId = await uploadToSlack(client, 'mailroom-week.png', png.byteLength, [png]);
    await client.files.completeUploadExternal({ files: [{ id: fileId, title: 'Mailroom' }] });
    if (uploaded.size >= max) uploaded.delete(uploaded.keys().next().value!);
    uploaded.set(key, fileId);
    return fileId;
  };
}
