// A subscription's URL check and its not-found problem; how it is shown is src/domain/webhooks/subscription-view.ts.
export { subscriptionView } from '../../domain/webhooks/index.ts';
import { checkDestination } from '../../application/webhooks/index.ts';
import type { AppDeps } from '../http/deps.ts';
import { invalid, ProblemError } from '../http/problems.ts';


/** The URL as it will be called, or a 400 naming why it may not be (checked again at every send). */
export const acceptedUrl = async (deps: AppDeps, url: string): Promise<string> => {
  const check = await checkDestination(url, { allowPrivate: deps.config.webhookAllowPrivate });
  if (!check.ok) throw invalid([{ path: 'url', message: check.reason }]);
  return check.url.href;
};

export const noSuchSubscription = (id: string) => new ProblemError('not_found', `No webhook subscription ${id}`);
