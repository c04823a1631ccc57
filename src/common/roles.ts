/**
 * Roles (README "TLS and roles"): which role each method of the wire contract needs, who
 * a caller is (its client certificate's name, or the identity its token stands
 * for) and which roles that identity holds, from the cluster file's `roles:` and
 * `tokens:` sections. {@link authorizeCall} is the one check, run by the service
 * host's interceptor for every call of every server (service-host.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { MigvisorError, PermissionDeniedError, UnauthenticatedError } from './errors.ts';
import { certificateNames } from './tls.ts';

/** The roles of the cluster file's `roles:` section. */
export const ROLES = ['viewer', 'operator', 'node'] as const;
/** A role. */
export type Role = (typeof ROLES)[number];

/** The roles a role holds besides itself: an operator and a node may look (viewer). */
const IMPLIES: Readonly<Record<Role, readonly Role[]>> = { viewer: [], operator: ['viewer'], node: ['viewer'] };

/**
 * The role each method needs, by full method path: any role of the list will do,
 * and a refusal names the first. Every method of every service of the wire
 * contract is here (test/common/roles.spec.ts checks it against the descriptor);
 * a method missing from the table is refused to everyone.
 */
export const METHOD_ROLES: Readonly<Record<string, readonly Role[]>> = {
  // MigTask: looking, commanding, and the node ↔ node (and node ↔ middleware) migration protocol.
  '/migvisor.v1.MigTask/Info': ['viewer'],
  '/migvisor.v1.MigTask/Initialize': ['operator'],
  '/migvisor.v1.MigTask/Receive': ['node'],
  '/migvisor.v1.MigTask/Commit': ['node'],
  '/migvisor.v1.MigTask/Abort': ['node'],
  '/migvisor.v1.MigTask/QueryMigration': ['node'],
  // The middleware parks and moves tasks with StopAndTransfer on the source node.
  '/migvisor.v1.MigTask/StopAndTransfer': ['operator', 'node'],
  '/migvisor.v1.MigTask/FetchPages': ['node'],
  '/migvisor.v1.MigTask/PushPages': ['node'],
  // The extra page streams of a container; a paused post-copy migration told to try its peer now.
  '/migvisor.v1.MigTask/ReceiveStream': ['node'],
  '/migvisor.v1.MigTask/RecoverPostcopy': ['operator', 'node'],
  '/migvisor.v1.MigTask/CancelMigration': ['operator', 'node'],
  '/migvisor.v1.MigTask/PredictMigration': ['operator'],
  // Migration control: changing a migration's limits is an operator's; looking at one or at a task's dirty rate is a viewer's.
  '/migvisor.v1.MigTask/SetMigration': ['operator'],
  '/migvisor.v1.MigTask/QueryMigrate': ['viewer'],
  '/migvisor.v1.MigTask/MeasureDirtyRate': ['viewer'],
  // NodeControl.
  '/migvisor.v1.NodeControl/Ps': ['viewer'],
  '/migvisor.v1.NodeControl/Pause': ['operator'],
  '/migvisor.v1.NodeControl/Resume': ['operator'],
  '/migvisor.v1.NodeControl/Kill': ['operator'],
  '/migvisor.v1.NodeControl/Copy': ['operator'],
  '/migvisor.v1.NodeControl/Save': ['operator', 'node'],
  '/migvisor.v1.NodeControl/ConfirmSave': ['operator', 'node'],
  '/migvisor.v1.NodeControl/CancelSave': ['operator', 'node'],
  '/migvisor.v1.NodeControl/Load': ['operator', 'node'],
  '/migvisor.v1.NodeControl/Watch': ['viewer'],
  // `migvisor gate send` is an operator's; nodes forward gate messages with it.
  '/migvisor.v1.NodeControl/GateSend': ['operator', 'node'],
  '/migvisor.v1.NodeControl/SettleMigration': ['node'],
  '/migvisor.v1.NodeControl/HmLog': ['viewer'],
  '/migvisor.v1.NodeControl/PartitionStatus': ['viewer'],
  '/migvisor.v1.NodeControl/SetPartitionMode': ['operator'],
  // Sampling-port messages are pushed node to node; plans are switched by an operator.
  '/migvisor.v1.NodeControl/PortWrite': ['node'],
  '/migvisor.v1.NodeControl/ScheduleSwitch': ['operator'],
  '/migvisor.v1.NodeControl/ScheduleStatus': ['viewer'],
  // Cluster membership.
  '/migvisor.v1.Cluster/ListNodes': ['viewer'],
  // The middleware: park and restore are an operator's; the archive may be looked at.
  '/migvisor.v1.Middleware/Park': ['operator'],
  '/migvisor.v1.Middleware/Restore': ['operator'],
  '/migvisor.v1.Middleware/List': ['viewer'],
  '/migvisor.v1.Middleware/Inspect': ['viewer'],
  '/migvisor.v1.Middleware/Delete': ['operator'],
  '/migvisor.v1.Middleware/Move': ['operator'],
  '/migvisor.v1.Middleware/Evacuate': ['operator'],
  '/migvisor.v1.Middleware/Where': ['viewer'],
  // Retention and the archive's container files: pinning, pruning and importing change it; an export only reads.
  '/migvisor.v1.Middleware/Pin': ['operator'],
  '/migvisor.v1.Middleware/Prune': ['operator'],
  '/migvisor.v1.Middleware/Export': ['viewer'],
  '/migvisor.v1.Middleware/Import': ['operator'],
  // Diagnostics: a node streams to a peer's Discard to measure the link.
  '/migvisor.v1.Diagnostics/StreamTo': ['operator', 'node'],
  '/migvisor.v1.Diagnostics/Discard': ['node', 'operator'],
  // The testbed of `cluster up`: links and faults are an operator's.
  '/migvisor.v1.Testbed/ListLinks': ['viewer'],
  '/migvisor.v1.Testbed/SetLink': ['operator'],
  '/migvisor.v1.Testbed/CutLink': ['operator'],
  '/migvisor.v1.Testbed/HealLink': ['operator'],
  '/migvisor.v1.Testbed/ListProcesses': ['viewer'],
  '/migvisor.v1.Testbed/InjectFault': ['operator'],
};

/** The services every server has beside its own (health, reflection): open to any caller the transport let in. */
const OPEN_SERVICES = ['/grpc.health.v1.Health/', '/grpc.reflection.v1.ServerReflection/', '/grpc.reflection.v1alpha.ServerReflection/'];

/** Who holds which role, and which token stands for whom. */
export interface AccessPolicy {
  /** Identity (a certificate's name, a token's identity) → the roles given to it. */
  readonly roles: ReadonlyMap<string, readonly Role[]>;
  /** Token → the identity it stands for. */
  readonly tokens: ReadonlyMap<string, string>;
}

let policy: AccessPolicy | undefined;

/** Sets (or clears: every call allowed, as without roles) the policy this process's servers enforce. */
export function configureAccess(p: AccessPolicy | undefined): void {
  policy = p;
}

/** What a server knows of a call's caller: its metadata and its transport's peer certificate. */
export interface CallerFacts {
  readonly metadata: grpc.Metadata;
  readonly peerCertificate?: { subject?: { CN?: string | string[] }; subjectaltname?: string } | undefined;
}

/** The caller's identity: its token's identity if it sent a token, else its certificate's first name. */
export function callerIdentity(facts: CallerFacts, p: AccessPolicy): string | undefined {
  const auth = facts.metadata.get('authorization')[0];
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/.exec(String(auth));
    const who = m ? p.tokens.get(m[1]!) : undefined;
    if (!who) throw new UnauthenticatedError('the token sent is not in the cluster file\'s tokens:');
    return who;
  }
  return facts.peerCertificate ? certificateNames(facts.peerCertificate)[0] : undefined;
}

/** Every role `identity` holds, the implied ones included. */
export function rolesOf(identity: string, p: AccessPolicy): Set<Role> {
  const held = new Set<Role>();
  for (const r of p.roles.get(identity) ?? []) {
    held.add(r);
    for (const i of IMPLIES[r]) held.add(i);
  }
  return held;
}

/**
 * Whether the caller may call `method` (a full path `/package.Service/Method`):
 * undefined when it may, else the error to answer with (PERMISSION_DENIED naming
 * the role it needs, UNAUTHENTICATED for an unknown token). Without a policy every
 * call is allowed.
 */
export function authorizeCall(method: string, facts: CallerFacts, p: AccessPolicy | undefined = policy): MigvisorError | undefined {
  if (!p) return undefined;
  if (OPEN_SERVICES.some((s) => method.startsWith(s))) return undefined;
  const name = method.slice(method.lastIndexOf('/') + 1);
  const needs = METHOD_ROLES[method];
  if (!needs) return new PermissionDeniedError(`${name}: no role may call ${method}`);
  let who: string | undefined;
  try {
    who = callerIdentity(facts, p);
  } catch (e: unknown) {
    return e as MigvisorError;
  }
  if (!who) return new UnauthenticatedError(`${name} needs the role ${needs[0]}, and the caller has no certificate or token`);
  const held = rolesOf(who, p);
  if (needs.some((r) => held.has(r))) return undefined;
  const has = held.size > 0 ? `holds ${[...held].join(', ')}` : 'holds no role';
  return new PermissionDeniedError(`${name} needs the role ${needs[0]} (${who} ${has})`);
}

/** A grpc-js server interceptor that refuses, before the handler runs, every call {@link authorizeCall} refuses. */
export const roleInterceptor: grpc.ServerInterceptor = (method, call) =>
  new grpc.ServerInterceptingCall(call, {
    start: (next) => {
      next({
        onReceiveMetadata: (metadata, nextMetadata) => {
          const auth = call.getAuthContext();
          const refusal = authorizeCall(method.path, { metadata, peerCertificate: auth?.sslPeerCertificate });
          if (refusal) call.sendStatus({ code: refusal.code as number as grpc.status, details: refusal.message, metadata: new grpc.Metadata() });
          else nextMetadata(metadata);
        },
      });
    },
  });
