// Email: prepare, the open pixel, tracked links, one-click unsubscribe (docs/channels.md).
import type { AnyRoute } from '../http/route.ts';
import { prepareEmail } from './email-prepare.ts';
import { emailPixel, emailRedirect } from './email-tracking.ts';
import { unsubscribeOneClick, unsubscribePage } from './email-unsubscribe.ts';

export const emailRoutes: readonly AnyRoute[] = [prepareEmail, emailPixel, emailRedirect, unsubscribePage, unsubscribeOneClick] as AnyRoute[];
