import { createHash } from 'node:crypto';
import type { HomeView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { TMailboxConfig } from '../config/config-schema.js';
import { drawWeekChart } from '../domain/week-chart.js';
import { uploadToSlack } from '../slack-api/upload-file.js';
import type { UserLocales } from '../slack-api/user-locales.js';
import { buildHomeView } from '../slack/views/home-view.js';
import { visibleTemplates, type TemplateListDeps } from './templates/list-templates.js';
import { templateSummaries } from '../slack/views/template-views.js';
import { readHomeData, type HomeData, type HomeDataDeps } from './home/home-data.js';

export interface HomeDeps {
  userLocales: UserLocales;
  mailboxes: readonly TMailboxConfig[];
  templates: TemplateListDeps;
}

/** What the dashboard needs besides: the database, access, and a way to upload the chart. */
export type DashboardDeps = HomeDataDeps & {
  /** Uploads a PNG and returns its Slack file id (null when Slack refused). */
  uploadChart(png: Buffer): Promise<string | null>;
};

/** The Home tab a user should see now. */
export async function composeHome(deps: HomeDeps & { dashboard?: DashboardDeps }, userId: string): Promise<HomeView> {
  const locale = await deps.userLocales.localeOf(userId);
  let data: HomeData | null = null;
  let chart: string | null = null;
  if (deps.dashboard) {
    data = await readHomeData(deps.dashboard, userId);
    if (data) {
      try {
        chart = await deps.dashboard.uploadChart(drawWeekChart(data.week.days));
      } catch (error) {
        // The numbers are shown as text too: the tab goes out without the picture.
        deps.dashboard.logger.warn({ code: 'home_chart_failed', err: (error as Error).message }, 'could not upload the Home chart');
      }
    }
  }
  return buildHomeView(locale, deps.mailboxes, data, chart, templateSummaries(locale, await visibleTemplates(deps.templates, userId)));
}

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
