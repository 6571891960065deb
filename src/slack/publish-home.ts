/**
 * The Home tab a person sees, published when they open it: the dashboard (the service
 * reads its numbers; the week's chart is drawn from them and uploaded to Slack as an
 * image), or the introduction for someone who sees no mailbox, then the templates.
 */
import type { HomeView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { TMailboxConfig } from '../config/config-schema.js';
import { drawWeekChart } from '../domain/week-chart.js';
import type { UserLocales } from '../slack-api/user-locales.js';
import { readHomeData, type HomeData, type HomeDataDeps } from '../services/reports/home-data.js';
import { visibleTemplates, type TemplateListDeps } from '../services/templates/list-templates.js';
import { templateSummaries } from './views/template-views.js';
import { buildHomeView } from './views/home-view.js';
import { errorMessage } from '../errors.js';

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

/** The week's chart as a Slack file id; null when it could not be uploaded. */
async function uploadedChart(dashboard: DashboardDeps, data: HomeData): Promise<string | null> {
  try {
    return await dashboard.uploadChart(drawWeekChart(data.week.days));
  } catch (error) {
    // The numbers are shown as text too: the tab goes out without the picture.
    dashboard.logger.warn({ code: 'home_chart_failed', err: errorMessage(error) }, 'could not upload the Home chart');
    return null;
  }
}

/** The Home tab a user should see now. */
export async function composeHome(deps: HomeDeps & { dashboard?: DashboardDeps }, userId: string): Promise<HomeView> {
  const locale = await deps.userLocales.localeOf(userId);
  const data = deps.dashboard ? await readHomeData(deps.dashboard, userId) : null;
  const chart = deps.dashboard && data ? await uploadedChart(deps.dashboard, data) : null;
  return buildHomeView(
    locale,
    deps.mailboxes,
    data,
    chart,
    templateSummaries(locale, await visibleTemplates(deps.templates, userId)),
  );
}

export async function publishHome(
  client: WebClient,
  deps: HomeDeps & { dashboard?: DashboardDeps },
  userId: string,
): Promise<void> {
  await client.views.publish({ user_id: userId, view: await composeHome(deps, userId) });
}
