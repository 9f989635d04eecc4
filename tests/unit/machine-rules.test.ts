// The machine-engagement rules, each with the reason it gives (docs/channels.md lists the same table): a person's
// open or click is HUMAN; a proxy's, scanner's, preview bot's or script's is flagged, in the rules' order.
import { describe, expect, it } from 'vitest';
import { ALL_LINKS_WINDOW_MS, classifyClick, classifyOpen, HUMAN, TOO_SOON_AFTER_SEND_MS, type ClickFacts } from '../../src/domain/channels/index.ts';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const IPHONE_MAIL = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const OUTLOOK_DESKTOP = 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)';

const flag = (reason: string) => ({ flag: true, reason });

/** User agents and the reason each gets, on opens and clicks alike. */
const SCANNER_AGENTS: [string, string][] = [
  ['Mozilla/5.0 (compatible; Barracuda Sentinel)', 'security_scanner'],
  ['Mimecast URL Protect', 'security_scanner'],
  ['Proofpoint URL Defense', 'security_scanner'],
  ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'link_preview'],
  ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'link_preview'],
  ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36', 'scripted_client'],
  ['curl/8.5.0', 'scripted_client'],
  ['python-requests/2.31.0', 'scripted_client'],
  ['Go-http-client/1.1', 'scripted_client'],
  ['Mozilla/5.0 (compatible; SomeBot; +https://example.com/bot)', 'bot_user_agent'],
  ['site-monitor/2.0', 'bot_user_agent'],
];

describe('opens', () => {
  it('a mail client or browser showing the image is a person', () => {
    for (const ua of [CHROME, IPHONE_MAIL, OUTLOOK_DESKTOP]) expect(classifyOpen({ userAgent: ua }), ua).toEqual(HUMAN);
  });

  it("flags Apple Mail Privacy Protection's bare Mozilla/5.0, image proxies, a missing user agent and a HEAD", () => {
    expect(classifyOpen({ userAgent: 'Mozilla/5.0' })).toEqual(flag('apple_mail_privacy_protection'));
    expect(classifyOpen({ userAgent: ' Mozilla/5.0 ' })).toEqual(flag('apple_mail_privacy_protection'));
    expect(classifyOpen({ userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' })).toEqual(flag('image_proxy:gmail'));
    expect(classifyOpen({ userAgent: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html' })).toEqual(flag('image_proxy:yahoo'));
    expect(classifyOpen({ userAgent: 'Outlook-iOS-Android/1.0' })).toEqual(flag('image_proxy:outlook'));
    expect(classifyOpen({ userAgent: null })).toEqual(flag('no_user_agent'));
    expect(classifyOpen({ userAgent: '   ' })).toEqual(flag('no_user_agent'));
    expect(classifyOpen({ userAgent: CHROME, method: 'HEAD' })).toEqual(flag('head_request'));
    expect(classifyOpen({ userAgent: CHROME, method: 'GET' })).toEqual(HUMAN);
  });

  it('flags scanners, previews and scripts, and takes the provider\'s own verdict first', () => {
    for (const [ua, reason] of SCANNER_AGENTS) expect(classifyOpen({ userAgent: ua }), ua).toEqual(flag(reason));
    expect(classifyOpen({ userAgent: CHROME, providerFlag: 'sendgrid_machine_open' })).toEqual(flag('provider:sendgrid_machine_open'));
  });
});

describe('clicks', () => {
  const now = 1_800_000_000_000;
  const person = (over: Partial<ClickFacts> = {}): ClickFacts => ({ userAgent: CHROME, method: 'GET', sentAtMs: now - 60_000, nowMs: now, ...over });

  it('a browser GET a while after sending is a person', () => {
    expect(classifyClick(person())).toEqual(HUMAN);
    expect(classifyClick(person({ sentAtMs: null }))).toEqual(HUMAN);
    expect(classifyClick(person({ userAgent: 'Mozilla/5.0' }))).toEqual(HUMAN); // MPP is about images, not links
  });

  it('flags a HEAD, a missing user agent, and scanner, preview and script agents', () => {
    expect(classifyClick(person({ method: 'HEAD' }))).toEqual(flag('head_request'));
    expect(classifyClick(person({ method: 'head' }))).toEqual(flag('head_request'));
    expect(classifyClick(person({ userAgent: null }))).toEqual(flag('no_user_agent'));
    for (const [ua, reason] of SCANNER_AGENTS) expect(classifyClick(person({ userAgent: ua })), ua).toEqual(flag(reason));
  });

  it(`flags a click under ${TOO_SOON_AFTER_SEND_MS} ms after preparing, not one at or after it, nor one from a skewed clock`, () => {
    expect(classifyClick(person({ sentAtMs: now }))).toEqual(flag('too_soon_after_send'));
    expect(classifyClick(person({ sentAtMs: now - TOO_SOON_AFTER_SEND_MS + 1 }))).toEqual(flag('too_soon_after_send'));
    expect(classifyClick(person({ sentAtMs: now - TOO_SOON_AFTER_SEND_MS }))).toEqual(HUMAN);
    expect(classifyClick(person({ sentAtMs: now + 5000 }))).toEqual(HUMAN);
  });

  it(`flags every link of a message clicked within ${ALL_LINKS_WINDOW_MS} ms, only for messages of two links or more`, () => {
    expect(classifyClick(person({ linksInMessage: 3, distinctLinksClickedRecently: 3 }))).toEqual(flag('every_link_clicked_at_once'));
    expect(classifyClick(person({ linksInMessage: 3, distinctLinksClickedRecently: 2 }))).toEqual(HUMAN);
    expect(classifyClick(person({ linksInMessage: 1, distinctLinksClickedRecently: 1 }))).toEqual(HUMAN);
  });

  it('applies the rules in order: the provider, HEAD, no agent, agent, too soon, every link', () => {
    expect(classifyClick(person({ providerFlag: 'bot', method: 'HEAD' }))).toEqual(flag('provider:bot'));
    expect(classifyClick(person({ method: 'HEAD', userAgent: 'curl/8' }))).toEqual(flag('head_request'));
    expect(classifyClick(person({ userAgent: 'curl/8', sentAtMs: now }))).toEqual(flag('scripted_client'));
    expect(classifyClick(person({ sentAtMs: now, linksInMessage: 2, distinctLinksClickedRecently: 2 }))).toEqual(flag('too_soon_after_send'));
  });
});
