// Every email provider adapter runs the same conformance suite over its documented sample payloads.
import { readFileSync } from 'node:fs';
import { mailgunAdapter, sendgridAdapter } from '../../src/domain/channels/index.ts';
import { runEmailProviderConformance, type ProviderSamples } from '../conformance/email-provider-conformance.ts';

const fixture = (name: string): ProviderSamples => JSON.parse(readFileSync(new URL(`../fixtures/providers/${name}`, import.meta.url), 'utf8')) as ProviderSamples;

runEmailProviderConformance(sendgridAdapter, fixture('sendgrid-events.json'));
runEmailProviderConformance(mailgunAdapter, fixture('mailgun-events.json'));
