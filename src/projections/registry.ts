// The one list of read models: adding a capability's projection is one line here. The runner prepares, runs and
// rebuilds each of them on its own checkpoint and lock.
import { journeyPathsProjection, type AttributionTables } from './attribution/index.ts';
import { channelContactsProjection, portalSessionsProjection, type ChannelContactsTables, type PortalSessionsTables } from './channels/index.ts';
import { conversationsProjection, webviewFunnelsProjection, type ConversationsTables, type WebviewFunnelTables } from './conversations/index.ts';
import { journeysProjection, type JourneysTables } from './journeys/index.ts';
import { liveOutboxProjection, type LiveOutboxTables } from './live/index.ts';
import type { ProjectionDefinition } from './runner/projection.ts';
import type { RunnerTables } from './runner/runner-schema.ts';

export const PROJECTIONS: readonly ProjectionDefinition[] = [journeysProjection, journeyPathsProjection, channelContactsProjection, portalSessionsProjection, liveOutboxProjection, webviewFunnelsProjection, conversationsProjection];

/** Every read-model table, for the composition root and the queries that read across them. */
export type ReadModels = RunnerTables & JourneysTables & AttributionTables & ChannelContactsTables & PortalSessionsTables & LiveOutboxTables & WebviewFunnelTables & ConversationsTables;

export const projectionNamed = (name: string): ProjectionDefinition | undefined => PROJECTIONS.find((p) => p.name === name);
