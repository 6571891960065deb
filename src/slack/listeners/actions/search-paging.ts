import { answerSearch, type SearchDeps } from '../../../services/search/answer-search.js';
import type { UserLocales } from '../../../slack-api/user-locales.js';
import { ACTION_IDS } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { buildSearchAnswer, readPagingValue } from '../../views/search-results.js';

/**
 * The Next and Previous buttons under `/mail search` results: the search runs again from
 * the button's query and offset (access checked again) and replaces the results in place.
 */
export function registerSearchPaging(
  registry: ListenerRegistry,
  deps: { userLocales: UserLocales; search: SearchDeps },
): void {
  for (const actionId of [ACTION_IDS.searchNext, ACTION_IDS.searchPrevious]) {
    registry.action(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const paging = readPagingValue((action as { value?: string }).value);
      if (!paging) return;
      const answer = await answerSearch(deps.search, { userId: body.user.id, text: paging.q, offset: paging.o });
      const message = buildSearchAnswer(await deps.userLocales.localeOf(body.user.id), answer);
      await respond({ response_type: 'ephemeral', replace_original: true, ...message });
    });
  }
}
