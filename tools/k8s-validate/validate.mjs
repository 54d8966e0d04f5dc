#!/usr/bin/env node
// Validates Shopcast's deployment artefacts without a cluster or a Docker engine:
//   - deploy/Dockerfile against the image rules (lib/dockerfile.mjs);
//   - `kubectl kustomize` of k8s/base and of every k8s/overlays/*: each rendered object against
//     the Kubernetes schema (kubernetes-models), for unknown fields, and against the house rules
//     (lib/rules.mjs).
// Prints one line per object, then "N passed, N failed"; exits 1 on any failure.
//
//   node validate.mjs              validate the repository
//   node validate.mjs --self-test  prove the validator fails on fixtures/bad (each bad object
//                                  names the error it must produce in an annotation)
//   --repo <dir>                   repository root (default: two levels above this file)
//   --kubectl <path>               kubectl binary (default: $KUBECTL or "kubectl")
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

import { exportedMetrics, prometheusRuleErrors, runbookAnchors } from "./lib/alerts.mjs";
import { CRD_KINDS, CrdChecker } from "./lib/crd.mjs";
import { dockerfileErrors } from "./lib/dockerfile.mjs";
import { imageErrors } from "./lib/images.mjs";
import { objectRuleErrors, referenceErrors, RenderIndex } from "./lib/rules.mjs";
import { FieldChecker, loadModel, schemaErrors } from "./lib/schema.mjs";

const TOOL_DIR = path.dirname(fileURLToPath(import.meta.url));
// Kinds with no kubernetes-models class that may still appear (e.g. CRDs), as "apiVersion/Kind".
// Each entry is validated for house rules only; add one deliberately, with a comment.
const ALLOWED_UNKNOWN_KINDS = new Set([]);
// In a bad fixture, the substrings (separated by "|") that its errors must contain.
const EXPECT_ANNOTATION = "k8s-validate.shopcast.dev/expect-error";
// ... or this value, for an object that is there only so that another fails for one reason.
const VALID_NEIGHBOUR = "none: valid neighbour";

function parseArgs(argv) {
  const opts = {
    selfTest: false,
    repo: path.resolve(TOOL_DIR, "..", ".."),
    kubectl: process.env.KUBECTL || "kubectl",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--self-test") opts.selfTest = true;
    else if (a === "--repo") opts.repo = path.resolve(argv[++i]);
    else if (a === "--kubectl") opts.kubectl = argv[++i];
    else throw new Error(`unknown argument ${a} (see the header of validate.mjs)`);
  }
  return opts;
}

function describe(obj) {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : "";
  return `${obj.kind ?? "?"} ${ns}${obj.metadata?.name ?? "?"}`;
}

// Runs kustomize on dir; returns {objects} or {error}.
function render(kubectl, dir) {
  let out;
  try {
    out = execFileSync(kubectl, ["kustomize", dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    return { error: `kubectl kustomize failed: ${(e.stderr || e.message).trim()}` };
  }
  const objects = [];
  for (const doc of parseAllDocuments(out)) {
    if (doc.errors.length > 0) return { error: `unparseable output: ${doc.errors[0].message}` };
    const obj = doc.toJS();
    if (obj !== null && obj !== undefined) objects.push(obj);
  }
  return { objects };
}

// Validates every object of the given renders. Returns [{target, obj, errors}], one per object,
// plus one per render that failed outright.
// context: {exported, anchors} for PrometheusRule checks (lib/alerts.mjs).
async function validateRenders(renders, context) {
  const models = new Map();
  for (const { objects = [] } of renders) {
    for (const obj of objects) {
      const key = `${obj.apiVersion}/${obj.kind}`;
      if (!models.has(key) && typeof obj.apiVersion === "string" && typeof obj.kind === "string") {
        models.set(key, await loadModel(obj.apiVersion, obj.kind));
      }
    }
  }
  const known = [...models.entries()]
    .filter(([, cls]) => cls !== null)
    .map(([, cls]) => ({ apiVersion: cls.apiVersion, kind: cls.kind }));
  const fields = new FieldChecker(known);
  const crds = [...models.keys()].some((k) => CRD_KINDS.has(k)) ? new CrdChecker() : null;

  const results = [];
  for (const { target, objects, error, externalSecrets } of renders) {
    if (error !== undefined) {
      results.push({ target, obj: null, errors: [error] });
      continue;
    }
    const index = new RenderIndex(objects);
    for (const obj of objects) {
      const errors = [];
      const cls = models.get(`${obj.apiVersion}/${obj.kind}`) ?? null;
      if (cls !== null) {
        errors.push(...schemaErrors(cls, obj), ...fields.unknownFields(obj));
      } else if (CRD_KINDS.has(`${obj.apiVersion}/${obj.kind}`)) {
        errors.push(...crds.errors(obj));
      } else if (!ALLOWED_UNKNOWN_KINDS.has(`${obj.apiVersion}/${obj.kind}`)) {
        errors.push(
          `unknown kind ${obj.apiVersion}/${obj.kind} (no kubernetes-models class; not allowed)`,
        );
      }
      errors.push(
        ...objectRuleErrors(obj),
        ...referenceErrors(obj, index, { externalSecrets }),
        ...prometheusRuleErrors(obj, context),
      );
      results.push({ target, obj, errors });
    }
  }
  return results;
}

function alertContext(repo) {
  return { exported: exportedMetrics(repo), anchors: runbookAnchors(repo) };
}

function readIfExists(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
}

// Overlays whose Secrets are made outside the repository (sealed-secrets, external-secrets,
// cert-manager, CloudNativePG): never committed, so a missing one is expected there.
const EXTERNAL_SECRET_OVERLAYS = new Set(["prod"]);

function kustomizeDirs(repo) {
  const dirs = [{ dir: "k8s/base", externalSecrets: true }];
  const overlays = path.join(repo, "k8s", "overlays");
  // Every folder is an overlay (one that kustomize cannot build fails, rather than being skipped).
  // An overlay is what gets applied, so everything it references must be in it (but for the
  // Secrets of EXTERNAL_SECRET_OVERLAYS).
  const entries = fs.existsSync(overlays) ? fs.readdirSync(overlays, { withFileTypes: true }) : [];
  for (const name of entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()) {
    dirs.push({ dir: `k8s/overlays/${name}`, externalSecrets: EXTERNAL_SECRET_OVERLAYS.has(name) });
  }
  return dirs;
}

function print(ok, target, what, errors) {
  const line = `${ok ? "PASS" : "FAIL"}  ${target}  ${what}`;
  console.log(errors.length > 0 ? `${line}\n        - ${errors.join("\n        - ")}` : line);
}

async function validateRepository(opts) {
  let passed = 0;
  let failed = 0;
  const tally = (ok) => (ok ? passed++ : failed++);

  const dockerfile = path.join(opts.repo, "deploy", "Dockerfile");
  const dockerErrors = fs.existsSync(dockerfile)
    ? [
        ...dockerfileErrors(
          fs.readFileSync(dockerfile, "utf8"),
          readIfExists(`${dockerfile}.dockerignore`),
        ),
        ...imageErrors(fs.readFileSync(dockerfile, "utf8"), opts.repo),
      ]
    : ["missing"];
  print(dockerErrors.length === 0, "deploy", "Dockerfile", dockerErrors);
  tally(dockerErrors.length === 0);

  const renders = kustomizeDirs(opts.repo).map(({ dir, externalSecrets }) => ({
    target: dir,
    externalSecrets,
    ...render(opts.kubectl, path.join(opts.repo, dir)),
  }));
  for (const r of renders) {
    if (r.objects !== undefined && r.objects.length === 0) r.error = "rendered no objects";
  }
  for (const { target, obj, errors } of await validateRenders(renders, alertContext(opts.repo))) {
    print(errors.length === 0, target, obj === null ? "(render)" : describe(obj), errors);
    tally(errors.length === 0);
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

// Every bad fixture must fail with exactly the errors its annotation names; a fixture that
// passes means the validator has gone blind to that mistake.
async function selfTest(opts) {
  let passed = 0;
  let failed = 0;
  const check = (ok, what, detail) => {
    console.log(`${ok ? "PASS" : "FAIL"}  self-test  ${what}${ok ? "" : `\n        - ${detail}`}`);
    ok ? passed++ : failed++;
  };
  // Exact both ways: every expected error appears, and nothing else does (so a fixture cannot
  // pass the self-test by failing for an unrelated reason).
  const expectExactly = (what, errors, expected) => {
    const missing = expected.filter((e) => !errors.some((msg) => msg.includes(e)));
    const unexpected = errors.filter((msg) => !expected.some((e) => msg.includes(e)));
    let detail = "validation PASSED a bad fixture";
    if (errors.length > 0) {
      detail = [
        missing.length > 0 ? `expected but not reported: ${missing.join("; ")}` : "",
        unexpected.length > 0 ? `reported but not expected: ${unexpected.join("; ")}` : "",
      ]
        .filter(Boolean)
        .join("\n        - ");
    }
    check(
      errors.length > 0 && missing.length === 0 && unexpected.length === 0,
      `${what} is rejected (${expected.join("; ")})`,
      detail,
    );
  };

  const bad = path.join(TOOL_DIR, "fixtures", "bad");
  const rendered = render(opts.kubectl, bad);
  if (rendered.error !== undefined) {
    check(false, "fixtures/bad renders", rendered.error);
  } else {
    // Secrets are external here, as in the base, so each fixture fails only for its own defect.
    const results = await validateRenders(
      [{ target: "fixtures/bad", externalSecrets: true, ...rendered }],
      alertContext(opts.repo),
    );
    check(
      results.length >= 3,
      `fixtures/bad has bad objects (${results.length})`,
      "too few objects rendered",
    );
    for (const { obj, errors } of results) {
      const annotation = obj.metadata?.annotations?.[EXPECT_ANNOTATION] ?? "";
      // A neighbour that a bad object needs around it (its ServiceAccount, its budget) so that
      // it fails for one reason only: it must itself pass.
      if (annotation === VALID_NEIGHBOUR) {
        check(errors.length === 0, `${describe(obj)} (a valid neighbour) passes`, errors.join("; "));
        continue;
      }
      const expected = annotation.split("|").filter(Boolean);
      if (expected.length === 0) {
        check(false, describe(obj), `no ${EXPECT_ANNOTATION} annotation`);
        continue;
      }
      expectExactly(describe(obj), errors, expected);
    }
  }

  const badDockerfile = fs.readFileSync(path.join(bad, "Dockerfile"), "utf8");
  expectExactly("fixtures/bad/Dockerfile", dockerfileErrors(badDockerfile, ""), [
    "FROM debian:latest is not pinned to a Debian bookworm tag",
    "use the -slim image for the runtime stage",
    "USER root must be a numeric non-root uid",
    "ENTRYPOINT must use the exec (JSON) form",
    "installs build-only package g++",
    "ENV DB_PASSWORD: secrets never go into images",
    "Unknown instruction: RUNN",
    "dockerignore: does not exclude build/",
    "dockerignore: does not exclude **/node_modules/",
    "dockerignore: does not exclude .git",
  ]);

  expectExactly(
    "fixtures/bad/Dockerfile.images",
    imageErrors(fs.readFileSync(path.join(bad, "Dockerfile.images"), "utf8"), opts.repo),
    [
      "service order: no runtime package list",
      "video-ingest uses mpegtsmux (plugin mpegtsmux), which its image deletes",
      "keeps plugin rtmp2, which no element it names is in",
      "plugin x264 is in gstreamer1.0-plugins-ugly, which video-ingest's image does not install",
      "recording-lifecycle uses jpegenc (plugin jpeg), which its image deletes",
      "plugin audioparsers is in gstreamer1.0-plugins-good, which recording-lifecycle's image does not install",
      "plugin isomp4 is in gstreamer1.0-plugins-good, which recording-lifecycle's image does not install",
    ],
  );

  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

const opts = parseArgs(process.argv.slice(2));
const ok = opts.selfTest ? await selfTest(opts) : await validateRepository(opts);
process.exitCode = ok ? 0 : 1;
