// What deploy/Dockerfile must build for each service, checked against the repository:
//  - every service binary (services/<folder>/ with an add_executable of the folder's name, "_"
//    as "-") has a runtime package list in the Dockerfile's `case "${SERVICE}"`;
//  - each service that runs GStreamer (GST_SERVICES) keeps exactly the plugins whose elements its
//    sources name (GST_PLUGINS_<SERVICE>: every element it creates is in a kept plugin, every
//    kept plugin is used), and installs the Debian package that ships each of them. Elements,
//    plugins and packages are looked up on this machine with gst-inspect-1.0 and dpkg (the
//    development machines and CI build these services, so both are there).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

// The services whose images keep a GStreamer plugin list: the Dockerfile's ARG, and the folder
// where every pipeline of the service is built.
const GST_SERVICES = [
  { service: "video-ingest", arg: "GST_PLUGINS_VIDEO_INGEST", sources: ["services/video_ingest/src/media"] },
  {
    service: "recording-lifecycle",
    arg: "GST_PLUGINS_RECORDING_LIFECYCLE",
    sources: ["services/recording_lifecycle/src/clips"],
  },
];

function filesUnder(dir, pattern, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, pattern, out);
    else if (pattern.test(e.name)) out.push(p);
  }
  return out;
}

// The service binaries of the repository: ["user", "video-ingest", ...].
export function serviceBinaries(repo) {
  const services = path.join(repo, "services");
  if (!fs.existsSync(services)) return [];
  return fs
    .readdirSync(services, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => ({ dir: path.join(services, e.name), name: e.name.replaceAll("_", "-") }))
    .filter(({ dir, name }) =>
      filesUnder(dir, /^(CMakeLists\.txt|.*\.cmake)$/).some((f) =>
        new RegExp(`add_executable\\(\\s*${name}[\\s)]`).test(fs.readFileSync(f, "utf8")),
      ),
    )
    .map(({ name }) => name)
    .sort();
}

// `case "${SERVICE}" in a|b) extra="x y" ;;` -> Map service -> [packages].
export function runtimePackageLists(dockerfile) {
  const lists = new Map();
  const text = dockerfile.replace(/\\\n/g, " ");
  for (const m of text.matchAll(/(?:^|\s)([a-z][a-z|-]*)\)\s*extra="([^"]*)"\s*;;/g)) {
    const packages = m[2].split(/\s+/).filter(Boolean);
    for (const svc of m[1].split("|")) lists.set(svc, packages);
  }
  return lists;
}

function keptPlugins(dockerfile, arg) {
  const m = new RegExp(`ARG\\s+${arg}="([^"]*)"`).exec(dockerfile);
  return m === null ? null : m[1].split(/\s+/).filter(Boolean);
}

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return null;
  }
}

// element -> plugin, from one listing of every element this machine's GStreamer has.
function elementPlugins() {
  const out = run("gst-inspect-1.0", []);
  if (out === null) return null;
  const map = new Map();
  for (const line of out.split("\n")) {
    const m = /^([A-Za-z0-9_-]+):\s+([A-Za-z0-9_-]+):/.exec(line);
    if (m !== null) map.set(m[2], m[1]);
  }
  return map;
}

// The Debian package that ships a plugin (its file, found by gst-inspect-1.0, and dpkg -S).
function pluginPackage(plugin) {
  const info = run("gst-inspect-1.0", [plugin]);
  const file = /Filename\s+(\S+)/.exec(info ?? "")?.[1];
  if (file === undefined) return null;
  // usrmerge: dpkg knows /usr/lib/..., gst-inspect may say /lib/...
  for (const candidate of [file, file.replace(/^\/lib\//, "/usr/lib/")]) {
    const owner = run("dpkg", ["-S", candidate]);
    if (owner !== null) return owner.split(":")[0].trim();
  }
  return null;
}

// The GStreamer element names in a service's pipeline code (`sources`, folders under the
// repository): string literals GStreamer knows as elements, except on lines reading caps or
// structure fields (whose names, like "level", can also be element names).
function elementsNamed(repo, sources, known) {
  const names = new Set();
  const files = sources.flatMap((dir) => filesUnder(path.join(repo, dir), /\.(cc|h)$/));
  for (const file of files) {
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (/gst_(structure|caps)_/.test(line)) continue;
      for (const m of line.matchAll(/"([a-z0-9]+)"/g)) {
        if (known.has(m[1])) names.add(m[1]);
      }
    }
  }
  return names;
}

// Returns the violations, as strings. dockerfile: the text of deploy/Dockerfile.
export function imageErrors(dockerfile, repo) {
  const errors = [];
  const lists = runtimePackageLists(dockerfile);
  for (const svc of serviceBinaries(repo)) {
    if (!lists.has(svc)) errors.push(`service ${svc}: no runtime package list (case "\${SERVICE}")`);
  }
  const plugins = elementPlugins();
  if (plugins === null) return [...errors, "gst-inspect-1.0 not found (gstreamer1.0-tools)"];
  for (const { service, arg, sources } of GST_SERVICES) {
    const keep = keptPlugins(dockerfile, arg);
    if (keep === null) {
      errors.push(`no ARG ${arg}: ${service}'s plugins`);
      continue;
    }
    const used = new Map(); // plugin -> elements
    for (const element of elementsNamed(repo, sources, plugins)) {
      const plugin = plugins.get(element);
      used.set(plugin, [...(used.get(plugin) ?? []), element]);
    }
    for (const [plugin, elements] of used) {
      if (!keep.includes(plugin))
        errors.push(`${service} uses ${elements.join(", ")} (plugin ${plugin}), which its image deletes`);
    }
    const installed = lists.get(service) ?? [];
    for (const plugin of keep) {
      if (!used.has(plugin)) {
        errors.push(`${service}'s image keeps plugin ${plugin}, which no element it names is in`);
        continue;
      }
      const pkg = pluginPackage(plugin);
      if (pkg === null) errors.push(`plugin ${plugin}: no Debian package ships it here`);
      else if (pkg !== "libgstreamer1.0-0" && !installed.includes(pkg))
        errors.push(`plugin ${plugin} is in ${pkg}, which ${service}'s image does not install`);
    }
  }
  return errors;
}
