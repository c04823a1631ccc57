/**
 * The ports the test bed picks for the processes of a live cluster: below the
 * kernel's ephemeral range, held until released, and never one that is taken.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { ephemeralLow, reservePort, SPAN } from '../../src/testbed/ports.ts';

const listen = (port: number): Promise<net.Server> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(s));
  });
const close = (s: net.Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

describe('test bed ports', () => {
  it('reads the first port of the ephemeral range, and nothing from a file that is not there', () => {
    const low = ephemeralLow();
    if (fs.existsSync('/proc/sys/net/ipv4/ip_local_port_range')) expect(low, 'Linux says where the range begins').to.be.a('number').and.greaterThan(1024);
    expect(ephemeralLow('/nonexistent/ip_local_port_range')).to.equal(undefined);
  });

  it('picks a port below the ephemeral range and holds it until released', async () => {
    const low = ephemeralLow() ?? 65_536;
    const r = await reservePort('127.0.0.1');
    expect(r.port, 'below the range port-0 listeners and outgoing connections use').to.be.below(low).and.greaterThan(1024);
    try {
      const other = await listen(r.port).then(
        async (s) => {
          await close(s);
          return 'listening';
        },
        (e: NodeJS.ErrnoException) => e.code,
      );
      expect(other, 'held: nobody else can listen on it').to.equal('EADDRINUSE');
    } finally {
      await r.release();
    }
    const again = await listen(r.port);
    await close(again);
  });

  it('passes over a port that is taken, and falls back to one the kernel picks when every pick is taken', async () => {
    const low = ephemeralLow();
    if (low === undefined) return;
    const taken = await reservePort('127.0.0.1');
    const held = [taken];
    try {
      // The first pick lands on the taken port, the second somewhere else below the range.
      const from = Math.max(1025, low - SPAN);
      const onTaken = (taken.port - from + 0.5) / (low - from);
      let i = 0;
      const r = await reservePort('127.0.0.1', () => (i++ === 0 ? onTaken : 0.5));
      held.push(r);
      expect(r.port).to.not.equal(taken.port);
      expect(r.port).to.be.below(low);
      expect(i, 'a second pick').to.equal(2);
      // Every pick on the taken port: the kernel's choice (in the ephemeral range).
      const fallback = await reservePort('127.0.0.1', () => onTaken);
      held.push(fallback);
      expect(fallback.port).to.not.equal(taken.port);
      expect(fallback.port, 'a port of the ephemeral range').to.be.at.least(low);
    } finally {
      await Promise.all(held.map((h) => h.release()));
    }
  });
});
