// The operator's kit in deploy/observability: the alert rules pass
// `promtool check rules` and their `promtool test rules` cases (each alert
// fires on a synthetic series), every alert links a runbook section that
// exists, the dashboard covers what an operator looks at, and the optional
// component renders into an overlay. That every metric named here is really
// served is checked against a running system in
// libs/telemetry/test/telemetry.e2e.test.ts (observabilityMetricNames).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { alertRules, dashboardTargets, observabilityDir, observabilityMetricNames, prometheusRule } from './observability.js';
import { render, repoRoot } from './render.js';

function requirePromtool(): void {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`promtool is required (Debian package prometheus; npm test installs it via scripts/test-prerequisites.mjs). Cause: ${String(err)}`);
  }
}

/** GitHub's anchor for a heading: lower case, spaces to dashes, punctuation dropped. */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

describe('alert rules', () => {
  let work: string;
  beforeAll(() => {
    requirePromtool();
    work = mkdtempSync(join(tmpdir(), 'tw-rules-'));
    // promtool reads plain rule files, so the PrometheusRule's groups go into one.
    writeFileSync(join(work, 'prometheus-rules.rules.yaml'), stringify({ groups: prometheusRule().spec.groups }));
    copyFileSync(join(observabilityDir, 'prometheus-rules.test.yaml'), join(work, 'prometheus-rules.test.yaml'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('pass promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', 'prometheus-rules.rules.yaml'], { cwd: work, encoding: 'utf8' });
    expect(out).toContain(`SUCCESS: ${alertRules().length} rules found`);
  });

  it('fire on their synthetic series and stay quiet on the near misses (promtool test rules)', () => {
    const run = (): string => execFileSync('promtool', ['test', 'rules', 'prometheus-rules.test.yaml'], { cwd: work, encoding: 'utf8', stdio: 'pipe' });
    expect(run()).toContain('SUCCESS');
  });

  it('has a test case for every alert', () => {
    const cases = readFileSync(join(observabilityDir, 'prometheus-rules.test.yaml'), 'utf8');
    for (const rule of alertRules()) expect({ alert: rule.alert, tested: cases.includes(`alertname: ${rule.alert}`) }).toEqual({ alert: rule.alert, tested: true });
  });

  it('cover what the operator must be paged for, each with a severity, a summary and a runbook section that exists', () => {
    const names = alertRules().map((rule) => rule.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'ThreadWeaverProjectorLagging',
        'ThreadWeaverPublicationBacklogGrowing',
        'ThreadWeaverCommandErrorRatio',
        'ThreadWeaverJournalConflictsSpiking',
        'ThreadWeaverMembershipFlapping',
        'ThreadWeaverNoReadyCommandPods',
        'ThreadWeaverJwksRefreshFailing',
        'ThreadWeaverSnapshotWritesFailing',
        'ThreadWeaverForgedTraffic',
      ]),
    );
    const runbook = readFileSync(join(repoRoot, 'docs/runbook.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/^#+ (.+)$/gm)].map((m) => anchorOf(m[1] ?? '')));
    for (const rule of alertRules()) {
      expect(rule.labels.severity).toMatch(/^(warning|critical)$/);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      const [file, anchor] = rule.annotations.runbook_url.split('#');
      expect({ alert: rule.alert, file, anchorExists: anchors.has(anchor ?? '') }).toEqual({ alert: rule.alert, file: 'docs/runbook.md', anchorExists: true });
    }
  });
});

describe('dashboard', () => {
  it('has a query on every panel and a panel for each area an operator watches', () => {
    const targets = dashboardTargets();
    expect(targets.length).toBeGreaterThan(20);
    for (const target of targets) expect(target.expr.trim()).not.toBe('');
    const names = observabilityMetricNames();
    for (const metric of [
      'threadweaver_rpc_server_duration_bucket',
      'threadweaver_rpc_server_duration_count',
      'http_server_request_duration_bucket',
      'threadweaver_aggregates_in_memory',
      'threadweaver_aggregate_passivations_total',
      'threadweaver_command_forwards_total',
      'threadweaver_membership_size',
      'threadweaver_membership_changes_total',
      'threadweaver_journal_append_duration_bucket',
      'threadweaver_journal_append_conflicts_total',
      'threadweaver_publication_backlog',
      'threadweaver_publication_swept_threads_total',
      'threadweaver_projector_lag_bucket',
      'threadweaver_consumer_pending',
      'threadweaver_query_watches_open',
      'threadweaver_auth_jwks_fetches_total',
    ]) {
      expect({ metric, onDashboard: names.dashboard.has(metric) }).toEqual({ metric, onDashboard: true });
    }
  });
});

describe('the observability component', () => {
  it('renders into the eks-observability overlay: PodMonitor, PrometheusRule and the dashboard ConfigMap for the Grafana sidecar', () => {
    const objects = render('deploy/overlays/eks-observability');
    const kinds = objects.map((obj) => `${obj.kind}/${obj.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining(['PodMonitor/threadweaver', 'PrometheusRule/threadweaver', 'ConfigMap/threadweaver-grafana-dashboard']));
    const dashboard = objects.find((obj) => obj.kind === 'ConfigMap' && obj.metadata.name === 'threadweaver-grafana-dashboard');
    expect(dashboard?.metadata.labels?.['grafana_dashboard']).toBe('1');
    expect(dashboard?.metadata.namespace).toBe('threadweaver');
    const data = dashboard?.['data'] as Record<string, string> | undefined;
    expect(JSON.parse(data?.['threadweaver-dashboard.json'] ?? '')).toEqual(JSON.parse(readFileSync(join(observabilityDir, 'threadweaver-dashboard.json'), 'utf8')));
    // The component is optional: the plain eks overlay has none of it.
    expect(render('deploy/overlays/eks').map((obj) => obj.kind)).not.toContain('PrometheusRule');
  });
});
