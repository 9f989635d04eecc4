// The read models' conformance suite, run once per store.
import { runReadModelConformance } from '../conformance/read-model-conformance.ts';
import { journeyPathsSpecs } from '../conformance/projection-specs/journey-paths.specs.ts';
import { journeysSpecs } from '../conformance/projection-specs/journeys.specs.ts';
import { liveOutboxSpecs } from '../conformance/projection-specs/live-outbox.specs.ts';
import { channelContactsSpecs } from '../conformance/projection-specs/channel-contacts.specs.ts';
import { portalSessionsSpecs } from '../conformance/projection-specs/portal-sessions.specs.ts';
import { webviewFunnelsSpecs } from '../conformance/projection-specs/webview-funnels.specs.ts';
import { conversationsSpecs } from '../conformance/projection-specs/conversations.specs.ts';
import { storeTargets } from '../helpers/test-stores.ts';

for (const target of storeTargets()) {
  runReadModelConformance(target, { specs: { journeys: journeysSpecs, 'journey-paths': journeyPathsSpecs, 'channel-contacts': channelContactsSpecs, 'portal-sessions': portalSessionsSpecs, 'live-outbox': liveOutboxSpecs, 'webview-funnels': webviewFunnelsSpecs, conversations: conversationsSpecs } });
}
