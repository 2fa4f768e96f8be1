// Reads deploy/observability (the alert rules and the Grafana dashboard) for
// the checks that keep them honest: observability.int.test.ts (promtool, the
// runbook, rendering) and libs/telemetry/test/telemetry.e2e.test.ts (every
// metric they name is served by a running system).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deployDir } from './render.js';

export const observabilityDir = join(deployDir, 'observability');

/** One alerting rule of the PrometheusRule. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string; runbook_url: string };
}

interface PrometheusRuleDoc {
  spec: { groups: { name: string; rules: AlertRule[] }[] };
}

export const prometheusRule = (): PrometheusRuleDoc => parse(readFileSync(join(observabilityDir, 'prometheus-rules.yaml'), 'utf8')) as PrometheusRuleDoc;

export const alertRules = (): AlertRule[] => prometheusRule().spec.groups.flatMap((group) => group.rules);

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

/** Every query of every panel of the dashboard. */
export function dashboardTargets(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(join(observabilityDir, 'threadweaver-dashboard.json'), 'utf8')) as { panels: Panel[] };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
}

/**
 * The series names a PromQL expression selects. Our expressions always give
 * a metric a label selector (`name{…}`), which tells it from a function
 * (`name(`) or a label (`name=`).
 */
export const metricNamesIn = (expr: string): string[] => [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1] ?? '');

/** The series names the dashboard and the alerts use, apart and together. */
export function observabilityMetricNames(): { dashboard: Set<string>; alerts: Set<string>; all: Set<string> } {
  const dashboard = new Set(dashboardTargets().flatMap((target) => metricNamesIn(target.expr)));
  const alerts = new Set(alertRules().flatMap((rule) => metricNamesIn(rule.expr)));
  return { dashboard, alerts, all: new Set([...dashboard, ...alerts]) };
}
