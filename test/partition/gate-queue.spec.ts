import { expect } from 'chai';
import { SysError } from '../../src/partition/sys-error.ts';
import { GateQueue, SysCallError } from '../../src/partition/index.ts';

const msg = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const firstBytes = (ms: readonly Uint8Array[]): number[] => ms.map((m) => m[0]!);

function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof SysCallError) return e.errno;
    throw e;
  }
  throw new Error('expected a SysCallError, but the call succeeded');
}

describe('GateQueue', () => {
  it('delivers messages in the order they were sent', () => {
    const g = new GateQueue('inbox', 8, 16);
    for (let i = 1; i <= 5; i++) g.send(msg(i));
    const got: number[] = [];
    for (let m = g.receive(); m !== undefined; m = g.receive()) got.push(m[0]!);
    expect(got).to.deep.equal([1, 2, 3, 4, 5]);
    expect(g.receive()).to.equal(undefined);
    expect([g.sent, g.received]).to.deep.equal([5, 5]);
  });

  it('keeps its own copy of a message, so the sender may reuse its buffer', () => {
    const g = new GateQueue('inbox', 2, 16);
    const buf = msg(1, 2);
    g.send(buf);
    buf[0] = 99;
    expect([...g.receive()!]).to.deep.equal([1, 2]);
  });

  it('refuses a message to a full gate with E_FULL, keeping the queue as it was', () => {
    const g = new GateQueue('inbox', 3, 16);
    for (let i = 1; i <= 3; i++) g.send(msg(i));
    expect(g.full).to.equal(true);
    expect(errnoOf(() => g.send(msg(4)))).to.equal(SysError.E_FULL);
    expect(() => g.send(msg(4))).to.throw(SysCallError, /inbox is full \(3 messages\)/);
    expect(g.length).to.equal(3);
    expect(g.sent).to.equal(3);
    expect(firstBytes(g.peekAll())).to.deep.equal([1, 2, 3]);
    // Space again after a receive.
    g.receive();
    g.send(msg(4));
    expect(firstBytes(g.peekAll())).to.deep.equal([2, 3, 4]);
  });

  it('refuses a message larger than message_size with E_TOOBIG, even when there is room', () => {
    const g = new GateQueue('inbox', 3, 4);
    g.send(new Uint8Array(4));
    expect(errnoOf(() => g.send(new Uint8Array(5)))).to.equal(SysError.E_TOOBIG);
    expect(() => g.send(new Uint8Array(5))).to.throw(/5 bytes exceeds gate inbox's limit of 4/);
    expect(g.length).to.equal(1);
  });

  it('checkSend says what send would say, without sending', () => {
    const g = new GateQueue('inbox', 1, 4);
    g.checkSend(msg(1));
    expect(g.length).to.equal(0);
    g.send(msg(1));
    expect(errnoOf(() => g.checkSend(msg(2)))).to.equal(SysError.E_FULL);
  });

  it('drain takes every message in order and leaves the gate empty', () => {
    const g = new GateQueue('inbox', 4, 16);
    [1, 2, 3].forEach((i) => g.send(msg(i)));
    expect(firstBytes(g.drain())).to.deep.equal([1, 2, 3]);
    expect(g.length).to.equal(0);
  });

  it('prepend puts carried messages ahead of newer ones, in their order', () => {
    const g = new GateQueue('inbox', 8, 16);
    g.send(msg(10));
    g.send(msg(11));
    g.prepend([msg(1), msg(2), msg(3)]);
    const got: number[] = [];
    for (let m = g.receive(); m !== undefined; m = g.receive()) got.push(m[0]!);
    expect(got).to.deep.equal([1, 2, 3, 10, 11]);
  });

  it('drain then prepend on another gate carries the queue over unchanged', () => {
    const from = new GateQueue('inbox', 4, 16);
    const to = new GateQueue('inbox', 4, 16);
    [1, 2, 3].forEach((i) => from.send(msg(i)));
    to.prepend(from.drain());
    expect(firstBytes(to.peekAll())).to.deep.equal([1, 2, 3]);
  });
});
