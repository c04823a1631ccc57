/**
 * The checks of the `tls:`, `roles:` and `tokens:` sections (README "TLS and
 * roles"): every file named exists, every node (and the middleware) has a
 * certificate, certificates are given only to nodes that exist, roles come with
 * TLS (a caller is known by its certificate), tokens with roles, and no two
 * identities share a token.
 */
import type { CheckContext } from './check-context.ts';
import type { CertKeyDef } from './model.ts';

/** Reports every problem of the security sections. */
export function checkSecurity(ctx: CheckContext): void {
  const { config, locate } = ctx.cluster;
  const { tls, access } = config;
  if (tls) {
    if (!ctx.fileExists(tls.ca)) ctx.report(locate.line(tls, 'ca'), `tls.ca: no such file ${tls.ca}`);
    const pair = (where: string, def: CertKeyDef): void => {
      if (!ctx.fileExists(def.cert)) ctx.report(locate.line(def, 'cert'), `tls.${where}.cert: no such file ${def.cert}`);
      if (!ctx.fileExists(def.key)) ctx.report(locate.line(def, 'key'), `tls.${where}.key: no such file ${def.key}`);
    };
    const names = new Set(config.nodes.map((n) => n.name));
    for (const [name, def] of tls.nodes) {
      if (!names.has(name) && !ctx.cluster.broken.nodes.has(name)) {
        ctx.report(locate.keyLine(tls, 'nodes', name), `tls.nodes: no node is called ${name} (nodes: ${[...names].join(', ')})`);
      }
      pair(`nodes.${name}`, def);
    }
    for (const node of config.nodes) {
      if (!tls.nodes.has(node.name)) ctx.report(locate.keyLine(tls, 'nodes'), `tls.nodes: node ${node.name} has no certificate (add ${node.name}: {cert: FILE, key: FILE})`);
    }
    if (config.middleware && !tls.middleware) ctx.report(tls.line, 'tls: the cluster has a middleware and tls.middleware gives it no certificate');
    if (tls.middleware) pair('middleware', tls.middleware);
    if (tls.testbed) pair('testbed', tls.testbed);
    if (tls.client) pair('client', tls.client);
  } else if (config.middleware?.store.startsWith('etcds://')) {
    ctx.report(locate.line(config.middleware, 'store'), 'middleware.store: etcds:// needs a tls: section (the CA and the middleware\'s certificate)');
  }
  if (access) {
    if (!tls) ctx.report(access.line, 'roles: needs a tls: section (callers are known by their certificates)');
    if (access.roles.size === 0 && access.tokens.size > 0) ctx.report(access.line, 'tokens: needs a roles: section (a token stands for an identity that holds roles)');
    const byToken = new Map<string, string>();
    for (const [who, token] of access.tokens) {
      const other = byToken.get(token);
      if (other) ctx.report(locate.lineAt(['tokens', who]), `tokens.${who}: the same token as ${other}; each identity needs its own`);
      else byToken.set(token, who);
    }
  }
}
