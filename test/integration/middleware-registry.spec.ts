/**
 * One registry entry per middleware process (README, "Middleware"): a second
 * `middleware start` for the same cluster file serves, but neither takes over
 * the first's registry entry nor deletes it when it stops. Real middleware
 * processes on filesystem stores.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { readEndpoints } from '../../src/common/endpoints.ts';
import { cleanup, fixture, stopProcess, tempDir } from '../support/processes.ts';
import { forgetCluster, listOverGrpc, privateCluster, startMiddleware, stopMiddlewares } from '../support/middleware-harness.ts';

describe('Middleware registry entry (real middleware processes)', function () {
  let FILE = '';

  before(() => {
    FILE = privateCluster(fixture('middleware-field.yaml'));
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (FILE) forgetCluster(FILE);
  });

  it('keeps the first middleware\'s entry when a second starts and stops; the first removes it when it stops', async function () {
    this.timeout(40_000);
    const dir = tempDir('migvisor-registry-');
    const first = await startMiddleware(FILE, `file://${path.join(dir, 'one')}`);
    expect(readEndpoints(FILE).middleware).to.equal(first.address);
    const second = await startMiddleware(FILE, `file://${path.join(dir, 'two')}`);
    expect(second.address).to.not.equal(first.address);
    expect(readEndpoints(FILE).middleware, 'not taken over').to.equal(first.address);
    expect((await listOverGrpc(second.address)).store, 'the second serves all the same').to.contain('two');
    await stopProcess(second.child, 3000);
    expect(readEndpoints(FILE).middleware, 'not deleted by the second').to.equal(first.address);
    await stopProcess(first.child, 3000);
    expect(readEndpoints(FILE).middleware, 'removed by its owner').to.equal(undefined);
    // With the first gone, a new middleware takes the entry.
    const third = await startMiddleware(FILE, `file://${path.join(dir, 'three')}`);
    expect(readEndpoints(FILE).middleware).to.equal(third.address);
  });
});
