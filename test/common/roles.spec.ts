/**
 * Roles (README "TLS and roles"): the table of the role each method needs covers every
 * method of every service of the wire contract, and the one check answers each
 * role boundary as a caller would see it: PERMISSION_DENIED naming the role it
 * needs, UNAUTHENTICATED for an unknown token, everything allowed without roles.
 */
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { Code } from '../../src/common/errors.ts';
import { authorizeCall, METHOD_ROLES, type AccessPolicy } from '../../src/common/roles.ts';
import { packageDefinition } from '../../src/common/wire.ts';

const POLICY: AccessPolicy = {
  roles: new Map([
    ['field-a', ['node']],
    ['alice', ['operator']],
    ['victor', ['viewer']],
    ['robot', ['node']],
  ]),
  tokens: new Map([['victor-token-1', 'victor']]),
};

function caller(cn: string | undefined, token?: string): { metadata: grpc.Metadata; peerCertificate?: { subject: { CN: string } } } {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return cn ? { metadata, peerCertificate: { subject: { CN: cn } } } : { metadata };
}

function verdict(method: string, who: ReturnType<typeof caller>): string {
  const e = authorizeCall(method, who, POLICY);
  return e ? `${e.code === Code.PERMISSION_DENIED ? 'PERMISSION_DENIED' : e.code === Code.UNAUTHENTICATED ? 'UNAUTHENTICATED' : e.code}: ${e.message}` : 'ok';
}

describe('roles', () => {
  it('names a role for every method of every service of the wire contract, and nothing else', () => {
    const def = packageDefinition();
    const paths: string[] = [];
    for (const [name, service] of Object.entries(def)) {
      if (!name.startsWith('migvisor.v1.') || 'format' in service) continue;
      for (const m of Object.values(service as grpc.ServiceDefinition)) paths.push(m.path);
    }
    expect(paths.length).to.equal(Object.keys(METHOD_ROLES).length);
    expect(new Set(paths.map((p) => p.split('/')[1])).size, 'services').to.equal(6);
    expect(paths.filter((p) => !(p in METHOD_ROLES)), 'methods without a role').to.deep.equal([]);
    expect(Object.keys(METHOD_ROLES).filter((p) => !paths.includes(p)), 'roles of methods that do not exist').to.deep.equal([]);
  });

  it('lets a viewer look but not command, naming the role a command needs', () => {
    expect(verdict('/migvisor.v1.NodeControl/Ps', caller('victor'))).to.equal('ok');
    expect(verdict('/migvisor.v1.NodeControl/Watch', caller('victor'))).to.equal('ok');
    expect(verdict('/migvisor.v1.Middleware/List', caller('victor'))).to.equal('ok');
    expect(verdict('/migvisor.v1.MigTask/StopAndTransfer', caller('victor'))).to.equal('PERMISSION_DENIED: StopAndTransfer needs the role operator (victor holds viewer)');
    expect(verdict('/migvisor.v1.Testbed/CutLink', caller('victor'))).to.equal('PERMISSION_DENIED: CutLink needs the role operator (victor holds viewer)');
  });

  it('lets an operator command and look, but not speak the node ↔ node protocol', () => {
    expect(verdict('/migvisor.v1.MigTask/StopAndTransfer', caller('alice'))).to.equal('ok');
    expect(verdict('/migvisor.v1.Middleware/Park', caller('alice'))).to.equal('ok');
    expect(verdict('/migvisor.v1.NodeControl/Ps', caller('alice'))).to.equal('ok');
    expect(verdict('/migvisor.v1.MigTask/Receive', caller('alice'))).to.equal('PERMISSION_DENIED: Receive needs the role node (alice holds operator, viewer)');
    expect(verdict('/migvisor.v1.MigTask/FetchPages', caller('alice'))).to.equal('PERMISSION_DENIED: FetchPages needs the role node (alice holds operator, viewer)');
  });

  it('lets a node migrate into and fetch from a peer, and park through the middleware, but not pause or kill', () => {
    expect(verdict('/migvisor.v1.MigTask/Receive', caller('robot'))).to.equal('ok');
    expect(verdict('/migvisor.v1.NodeControl/GateSend', caller('field-a'))).to.equal('ok');
    expect(verdict('/migvisor.v1.MigTask/StopAndTransfer', caller('robot'))).to.equal('ok');
    expect(verdict('/migvisor.v1.NodeControl/Pause', caller('robot'))).to.equal('PERMISSION_DENIED: Pause needs the role operator (robot holds node, viewer)');
    expect(verdict('/migvisor.v1.NodeControl/Kill', caller('robot'))).to.equal('PERMISSION_DENIED: Kill needs the role operator (robot holds node, viewer)');
  });

  it('takes a token over the certificate, refuses an unknown token, and a stranger holds nothing', () => {
    expect(verdict('/migvisor.v1.NodeControl/Pause', caller('alice', 'victor-token-1'))).to.equal('PERMISSION_DENIED: Pause needs the role operator (victor holds viewer)');
    expect(verdict('/migvisor.v1.NodeControl/Ps', caller('alice', 'nope-nope-nope'))).to.equal("UNAUTHENTICATED: the token sent is not in the cluster file's tokens:");
    expect(verdict('/migvisor.v1.NodeControl/Ps', caller('mallory'))).to.equal('PERMISSION_DENIED: Ps needs the role viewer (mallory holds no role)');
    expect(verdict('/migvisor.v1.NodeControl/Ps', caller(undefined))).to.equal('UNAUTHENTICATED: Ps needs the role viewer, and the caller has no certificate or token');
  });

  it('refuses a method the table does not know, leaves health open, and allows everything without roles', () => {
    expect(verdict('/migvisor.v1.NodeControl/Reboot', caller('alice'))).to.match(/^PERMISSION_DENIED: Reboot: no role may call/);
    expect(verdict('/grpc.health.v1.Health/Check', caller(undefined))).to.equal('ok');
    expect(authorizeCall('/migvisor.v1.NodeControl/Kill', caller(undefined), undefined)).to.equal(undefined);
  });
});
