// The SSRF table: every address a webhook must never reach (loopback, private, link-local, metadata, ULA, CGNAT,
// unspecified, multicast, reserved, and their IPv4-mapped IPv6 forms), the edges just outside each range, and the
// numeric spellings (decimal, octal, hex) that name 127.0.0.1 without saying so.
import { describe, expect, it } from 'vitest';
import { classifyAddress, isPublicAddress, parseIPv4Loose, parseIPv6, type AddressClass } from '../../src/domain/webhooks/index.ts';

const TABLE: [string, AddressClass][] = [
  // loopback 127/8 and ::1
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['126.255.255.255', 'public'],
  ['128.0.0.0', 'public'],
  // private 10/8, 172.16/12, 192.168/16
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['9.255.255.255', 'public'],
  ['11.0.0.0', 'public'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.15.255.255', 'public'],
  ['172.32.0.0', 'public'],
  ['192.168.1.1', 'private'],
  ['192.167.255.255', 'public'],
  ['192.169.0.0', 'public'],
  // link-local 169.254/16 and fe80::/10, and the cloud metadata address inside it
  ['169.254.0.1', 'link_local'],
  ['169.254.169.254', 'metadata'],
  ['169.253.255.255', 'public'],
  ['169.255.0.0', 'public'],
  ['fe80::1', 'link_local'],
  ['fe80::1%eth0', 'link_local'],
  ['febf:ffff::1', 'link_local'],
  ['fec0::1', 'private'],
  // ULA fc00::/7
  ['fc00::1', 'unique_local'],
  ['fd12:3456:789a::1', 'unique_local'],
  ['fbff::1', 'reserved'],
  // CGNAT 100.64/10
  ['100.64.0.1', 'cgnat'],
  ['100.127.255.255', 'cgnat'],
  ['100.63.255.255', 'public'],
  ['100.128.0.0', 'public'],
  // 0.0.0.0/8 and ::
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['::', 'unspecified'],
  ['1.0.0.0', 'public'],
  // multicast 224/4 and ff00::/8
  ['224.0.0.1', 'multicast'],
  ['239.255.255.255', 'multicast'],
  ['223.255.255.255', 'public'],
  ['ff02::1', 'multicast'],
  // reserved, documentation, benchmarking, broadcast
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['203.0.113.5', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['::1.2.3.4', 'reserved'],
  // IPv4-mapped IPv6: where the packet really goes
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:192.168.0.1', 'private'],
  ['::ffff:100.64.0.1', 'cgnat'],
  ['::ffff:0.0.0.0', 'unspecified'],
  ['[::ffff:127.0.0.1]', 'loopback'],
  ['::ffff:8.8.8.8', 'public'],
  // NAT64 and 6to4 carry an IPv4 address too
  ['64:ff9b::7f00:1', 'loopback'],
  ['64:ff9b::808:808', 'public'],
  ['2002:c0a8:0101::1', 'private'],
  ['2002:0808:0808::1', 'public'],
  // public unicast
  ['8.8.8.8', 'public'],
  ['93.184.216.34', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001:81c::200e', 'public'],
  // numeric spellings of 127.0.0.1 and 10.0.0.1
  ['2130706433', 'loopback'],
  ['0x7f000001', 'loopback'],
  ['0x7f.1', 'loopback'],
  ['0177.0.0.1', 'loopback'],
  ['127.1', 'loopback'],
  ['012.0.0.1', 'private'],
  ['167772161', 'private'],
  // not addresses
  ['256.1.1.1', 'invalid'],
  ['example.com', 'invalid'],
  ['1:2:3:4:5:6:7:8:9', 'invalid'],
  ['1::2::3', 'invalid'],
  ['0x100000000', 'invalid'],
  ['', 'invalid'],
];

describe('address ranges (SSRF)', () => {
  it.each(TABLE)('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
    expect(isPublicAddress(address)).toBe(cls === 'public');
  });

  it('reads IPv6 with ::, a trailing dotted quad and a zone', () => {
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6('fe80::1%en0')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('127.0.0.1')).toBeNull();
  });

  it('reads the inet_aton spellings of an IPv4 address as a resolver would', () => {
    const loopback = 0x7f000001;
    for (const s of ['2130706433', '0x7f000001', '0x7f.1', '0177.0.0.1', '127.1', '127.0.1', '0x7F.0.0.01']) expect(parseIPv4Loose(s), s).toBe(loopback);
    for (const s of ['1.2.3.4.5', '1..2', '08.0.0.1', '0xg.1', '256.0.0.0', '1.2.65536']) expect(parseIPv4Loose(s), s).toBeNull();
  });

  it('sees through the numeric hosts the URL parser normalises', () => {
    for (const u of ['http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://[::ffff:127.0.0.1]/', 'http://127.1/']) {
      expect(classifyAddress(new URL(u).hostname), u).toBe('loopback');
    }
  });
});
