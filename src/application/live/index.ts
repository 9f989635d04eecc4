// The live outputs' application layer: the broker port the publishing worker uses, its NATS adapter, and subjects.
export { LivePublishError, type LiveMessage, type LivePublisher, type PublishResult } from './live-publisher.ts';
export { liveSubject } from './live-subject.ts';
export { createNatsPublisher, type NatsPublisherOptions } from './nats-publisher.ts';
