// NATS identities as rendered (SPEC §2, Trust: only the command service may
// publish events): the local overlay's nats-server runs with the shipped
// permissions file and the users' passwords from a Secret; command,
// projector and query each connect as a user of their own, its password
// from that Secret; and in the shipped file only the command user may
// publish on the events subjects. test/nats-permissions.e2e.test.ts runs the
// same file in a real nats-server; this checks the manifests wire it up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { deployDir, render, requireKubectl, type K8sObject } from './render.js';
import { byName, envOf, workloads, type Workload } from './workloads.js';

const services = ['command', 'projector', 'query'] as const;
const usersSecret = 'threadweaver-nats-users';
const confPath = join(deployDir, 'overlays', 'local', 'setup', 'deps', 'nats-server.conf');

/** The `{ … }` block that follows `name =` (or `name {`) in NATS config text, braces matched. */
function block(text: string, name: string): string {
  const start = new RegExp(`(^|\\s)${name.replace(/[$]/g, '\\$')}\\s*=?\\s*\\{`).exec(text);
  if (start === null) throw new Error(`no block ${name} in nats-server.conf`);
  let depth = 0;
  for (let at = start.index + start[0].length - 1; at < text.length; at++) {
    if (text[at] === '{') depth++;
    else if (text[at] === '}' && --depth === 0) return text.slice(start.index + start[0].length, at);
  }
  throw new Error(`block ${name} is not closed`);
}

/** The quoted subjects of `list = [ … ]` in a block; [] when it has none. */
function subjects(text: string, list: 'allow' | 'deny'): string[] {
  const match = new RegExp(`${list}\\s*=\\s*\\[([^\\]]*)\\]`).exec(text);
  return match === null ? [] : [...match[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

/** NATS subject matching: `*` one token, `>` one or more at the end. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** May `user` publish on `subject` under the shipped file? (deny wins over allow, as in nats-server) */
function mayPublish(conf: string, user: string, subject: string): boolean {
  const auth = block(conf, 'authorization');
  const entry = new RegExp(`\\{\\s*user:\\s*${user}\\s*,[^}]*permissions:\\s*\\$(\\w+)\\s*\\}`).exec(auth);
  if (entry === null) throw new Error(`no user ${user} in nats-server.conf`);
  const publish = block(block(auth, entry[1]!), 'publish');
  const denied = subjects(publish, 'deny').some((p) => matches(p, subject));
  return !denied && subjects(publish, 'allow').some((p) => matches(p, subject));
}

describe('NATS identities', () => {
  let objects: K8sObject[];
  let pods: Workload[];
  beforeAll(() => {
    requireKubectl();
    objects = render('deploy/overlays/local');
    pods = workloads(objects);
  });

  it('runs the local NATS with the shipped permissions file and the users\u2019 passwords from the Secret', () => {
    const nats = byName(pods, 'StatefulSet', 'nats').template.spec;
    const container = nats.containers[0]!;
    const configArg = container.args?.find((a) => a.startsWith('--config='));
    expect(configArg).toBe('--config=/etc/nats/nats-server.conf');
    const mount = container.volumeMounts?.find((m) => m.mountPath === '/etc/nats');
    const volume = nats.volumes?.find((v) => v.name === mount?.name);
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume?.configMap?.name);
    expect((configMap?.['data'] as Record<string, string> | undefined)?.['nats-server.conf']).toBe(readFileSync(confPath, 'utf8'));
    expect(container.envFrom).toEqual([{ secretRef: { name: usersSecret } }]);
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === usersSecret);
    expect(Object.keys((secret?.['data'] as Record<string, string> | undefined) ?? {}).sort()).toEqual(services.map((s) => `NATS_${s.toUpperCase()}_PASSWORD`).sort());
  });

  it('gives command, projector and query each a NATS user of its own, its password from the Secret', () => {
    for (const service of services) {
      const container = byName(pods, 'Deployment', service).template.spec.containers[0]!;
      expect({ service, user: envOf(container, 'NATS_USER')?.value }).toEqual({ service, user: service });
      expect({ service, password: envOf(container, 'NATS_PASSWORD')?.valueFrom?.secretKeyRef }).toEqual({
        service,
        password: { name: usersSecret, key: `NATS_${service.toUpperCase()}_PASSWORD` },
      });
    }
  });

  it('lets only the command user publish on the events subjects the ConfigMap names', () => {
    const conf = readFileSync(confPath, 'utf8');
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'threadweaver-config')!['data'] as Record<string, string>;
    const eventSubject = `${config['NATS_SUBJECT_PREFIX']}.01HZZZZZZZZZZZZZZZZZZZZZZZ`;
    expect(services.map((user) => [user, mayPublish(conf, user, eventSubject)])).toEqual([
      ['command', true],
      ['projector', false],
      ['query', false],
    ]);
  });
});
