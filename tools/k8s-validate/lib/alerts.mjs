// Checks of PrometheusRule objects beyond their CRD schema:
//  - every expression parses as PromQL (@prometheus-io/lezer-promql, Prometheus' own grammar);
//  - every metric an expression reads is one a Shopcast binary exports (its name appears as a
//    string literal in services/ or libs/; a histogram's _bucket/_sum/_count count as its name),
//    a metric of the platform (EXTERNAL_METRICS), or one listed in PENDING_METRICS with the
//    service that will export it;
//  - every alert has `for`, a severity label, a summary and a runbook annotation pointing at a
//    heading of docs/operations.md that exists.
import fs from "node:fs";
import path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";

// Metrics of the platform, not of Shopcast: scrape health, kube-state-metrics, the kubelet.
const EXTERNAL_METRICS = /^(up|ALERTS|ALERTS_FOR_STATE|kube_[a-z0-9_]+|kubelet_[a-z0-9_]+)$/;
// Metrics an alert already reads but no binary on this branch exports yet, and who will.
// Remove an entry when that service lands (the check then finds the name in its source).
export const PENDING_METRICS = new Map([]);
const SEVERITIES = new Set(["critical", "warning", "info"]);
const RUNBOOK = "docs/operations.md";

function sourceFiles(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && e.name !== "tests") sourceFiles(p, out);
    } else if (/\.(cc|h)$/.test(e.name)) {
      out.push(p);
    }
  }
  return out;
}

// The metric names the repository's services and libraries export (string literals).
export function exportedMetrics(repo) {
  const names = new Set();
  for (const file of [
    ...sourceFiles(path.join(repo, "services")),
    ...sourceFiles(path.join(repo, "libs")),
  ]) {
    for (const m of fs.readFileSync(file, "utf8").matchAll(/"([a-z_][a-z0-9_]*)"/g)) {
      names.add(m[1]);
    }
  }
  return names;
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
export function runbookAnchors(repo) {
  const file = path.join(repo, RUNBOOK);
  if (!fs.existsSync(file)) return new Set();
  const anchors = new Set();
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (m === null) continue;
    anchors.add(
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  return anchors;
}

// Returns {errors, metrics}: syntax errors of one expression and the metric names it reads.
export function parsePromQL(expr) {
  const errors = [];
  const metrics = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`syntax error at offset ${n.from}`);
      if (n.name === "Identifier" && n.node.parent?.name === "VectorSelector")
        metrics.push(expr.slice(n.from, n.to));
    },
  });
  return { errors, metrics };
}

function known(name, exported) {
  if (EXTERNAL_METRICS.test(name) || PENDING_METRICS.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return exported.has(name) || exported.has(base);
}

// context: {exported: Set of metric names, anchors: Set of runbook anchors}.
export function prometheusRuleErrors(obj, context) {
  if (obj.kind !== "PrometheusRule") return [];
  const errors = [];
  for (const [g, group] of (obj.spec?.groups ?? []).entries()) {
    for (const [r, rule] of (group.rules ?? []).entries()) {
      const at = `spec.groups[${g}].rules[${r}]${rule.alert ? ` (${rule.alert})` : ""}`;
      const expr = typeof rule.expr === "string" ? rule.expr : String(rule.expr ?? "");
      const parsed = parsePromQL(expr);
      for (const e of parsed.errors) errors.push(`${at}.expr: ${e}`);
      // After a syntax error the parser's recovery guesses; its "metrics" mean nothing.
      for (const m of parsed.errors.length > 0 ? [] : new Set(parsed.metrics)) {
        if (!known(m, context.exported))
          errors.push(`${at}.expr: metric ${m} is exported by no Shopcast binary`);
      }
      if (rule.alert === undefined) continue;
      if (rule.for === undefined) errors.push(`${at}: missing "for" (a blip must not page)`);
      if (!SEVERITIES.has(rule.labels?.severity))
        errors.push(`${at}: labels.severity must be one of ${[...SEVERITIES].join(", ")}`);
      if (!rule.annotations?.summary) errors.push(`${at}: annotations.summary missing`);
      const runbook = rule.annotations?.runbook_url ?? "";
      const hash = runbook.indexOf("#");
      if (!runbook.includes(RUNBOOK) || hash < 0) {
        errors.push(`${at}: annotations.runbook_url must point at ${RUNBOOK}#<heading>`);
      } else if (!context.anchors.has(runbook.slice(hash + 1))) {
        errors.push(`${at}: annotations.runbook_url: ${RUNBOOK} has no heading #${runbook.slice(hash + 1)}`);
      }
    }
  }
  return errors;
}
