// Static checks of deploy/Dockerfile (no Docker engine is needed): the syntax, via the parser and
// linter behind VS Code's Dockerfile support, and the image rules in deploy/README.md.
import { DockerfileParser } from "dockerfile-ast";
import * as dockerfileUtils from "dockerfile-utils";

// Packages that would mean the runtime stage carries the toolchain.
const BUILD_ONLY_PACKAGES = new Set([
  "g++",
  "gcc",
  "clang",
  "cmake",
  "ninja-build",
  "make",
  "build-essential",
]);
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL/i;

function installedPackages(runText) {
  // The words after each "apt-get install" up to the next shell operator, minus options.
  const packages = [];
  const re = /apt-get\s+install\b([^;&|]*)/g;
  for (const m of runText.replace(/\\\n/g, " ").matchAll(re)) {
    packages.push(
      ...m[1].split(/\s+/).filter((w) => w && !w.startsWith("-") && !w.startsWith("$")),
    );
  }
  return packages;
}

// Returns the rule violations of a Dockerfile's text; ignoreText is its .dockerignore (or null).
export function dockerfileErrors(text, ignoreText) {
  const errors = [];
  for (const d of dockerfileUtils.validate(text, {})) {
    errors.push(`line ${d.range.start.line + 1}: ${d.message}`);
  }
  const df = DockerfileParser.parse(text);
  const froms = df.getFROMs();
  if (froms.length === 0) return [...errors, "no FROM instruction"];

  const stages = new Set();
  for (const from of froms) {
    const line = from.getRange().start.line + 1;
    const image = from.getImageName();
    const tag = from.getImageTag();
    if (!stages.has(image) && !/(^|-)bookworm(-|$)/.test(tag ?? "")) {
      errors.push(`line ${line}: FROM ${from.getImage()} is not pinned to a Debian bookworm tag`);
    }
    if (from.getBuildStage()) stages.add(from.getBuildStage());
  }

  // Instructions of the final stage: everything after the last FROM.
  const instructions = df.getInstructions();
  const lastFrom = froms[froms.length - 1];
  const finalStage = instructions.filter(
    (i) => i.getRange().start.line > lastFrom.getRange().start.line,
  );
  const finalTag = lastFrom.getImageTag() ?? "";
  if (!stages.has(lastFrom.getImageName()) && !finalTag.endsWith("slim")) {
    errors.push(
      `final stage FROM ${lastFrom.getImage()}: use the -slim image for the runtime stage`,
    );
  }
  const of = (keyword) => finalStage.filter((i) => i.getKeyword() === keyword);

  const users = of("USER");
  const user = users.length > 0 ? users[users.length - 1].getArgumentsContent().trim() : null;
  if (user === null) {
    errors.push("final stage: no USER (the image would run as root)");
  } else if (!/^[0-9]+(:[0-9]+)?$/.test(user) || /^0(:|$)/.test(user)) {
    errors.push(
      `final stage: USER ${user} must be a numeric non-root uid (runAsNonRoot needs a number)`,
    );
  }
  const entrypoints = of("ENTRYPOINT");
  if (entrypoints.length === 0) {
    errors.push("final stage: no ENTRYPOINT");
  } else if (!entrypoints[entrypoints.length - 1].getArgumentsContent().trim().startsWith("[")) {
    errors.push(
      "final stage: ENTRYPOINT must use the exec (JSON) form so SIGTERM reaches the service",
    );
  }
  if (of("EXPOSE").length === 0) errors.push("final stage: no EXPOSE");
  for (const run of of("RUN")) {
    for (const pkg of installedPackages(run.getArgumentsContent() ?? "")) {
      if (pkg.endsWith("-dev") || BUILD_ONLY_PACKAGES.has(pkg)) {
        errors.push(`final stage: installs build-only package ${pkg}`);
      }
    }
  }

  for (const i of instructions) {
    if (i.getKeyword() !== "ENV" && i.getKeyword() !== "ARG") continue;
    const line = i.getRange().start.line + 1;
    for (const p of i.getProperties?.() ?? []) {
      if (SECRET_NAME.test(p.getName())) {
        errors.push(`line ${line}: ${i.getKeyword()} ${p.getName()}: secrets never go into images`);
      }
    }
  }

  const args = instructions
    .filter((i) => i.getKeyword() === "ARG")
    .map((i) => i.getProperties()[0]?.getName());
  if (!args.includes("SERVICE")) errors.push("no ARG SERVICE: one Dockerfile serves every service");
  const buildRuns = instructions
    .filter((i) => i.getKeyword() === "RUN")
    .map((i) => i.getArgumentsContent() ?? "")
    .join("\n");
  if (!/--target\s+"?\$\{?SERVICE\}?"?/.test(buildRuns))
    errors.push("no `cmake --build ... --target ${SERVICE}`");
  if (
    !/cmake\s+--preset\s+release\b[^\n]*-DSHOPCAST_BUILD_TESTS=OFF/.test(
      buildRuns.replace(/\\\n/g, " "),
    )
  ) {
    errors.push("no `cmake --preset release -DSHOPCAST_BUILD_TESTS=OFF`");
  }

  if (ignoreText !== null) {
    const patterns = ignoreText.split("\n").map((l) => l.trim());
    for (const must of ["build/", "**/node_modules/", ".git"]) {
      if (!patterns.includes(must)) errors.push(`dockerignore: does not exclude ${must}`);
    }
  }
  return errors;
}
