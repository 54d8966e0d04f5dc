// Kubernetes schema checks for rendered objects, from the kubernetes-models package:
//  - value types, enums, formats and required fields: the model class's own validate();
//  - unknown fields (e.g. `replica:` for `replicas:`), which those JSON schemas allow but the API
//    server rejects under strict field validation: a walk over the package's TypeScript
//    declarations of the same types.
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const TOOL_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// apiVersion "v1" -> "v1"; "apps/v1" -> "apps/v1"; the packages lay their modules out the same way.
function modulePath(apiVersion, kind) {
  if (!/^[A-Za-z0-9]+$/.test(kind) || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) return null;
  // The Prometheus Operator's CRDs (ServiceMonitor, PrometheusRule) come from the same project's
  // package, generated from the operator's CRD schemas.
  if (apiVersion.startsWith("monitoring.coreos.com/"))
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

// Loads the model class for apiVersion/kind, or returns null when the package has none.
export async function loadModel(apiVersion, kind) {
  const spec = modulePath(apiVersion, kind);
  if (spec === null) return null;
  try {
    const mod = await import(spec);
    const cls = mod[kind];
    // Guards against case-insensitive file systems resolving "deployment" to Deployment.
    if (cls === undefined || cls.kind !== kind || cls.apiVersion !== apiVersion) return null;
    return cls;
  } catch (e) {
    if (e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || e.code === "ERR_MODULE_NOT_FOUND")
      return null;
    throw e;
  }
}

// kustomize wraps long base64 values (Secret data, ConfigMap binaryData) over several lines;
// the API server's decoder (Go's encoding/base64) skips line breaks, the "byte" format does not.
function unwrapBase64(obj) {
  const field = obj.kind === "Secret" ? "data" : obj.kind === "ConfigMap" ? "binaryData" : null;
  if (field === null || typeof obj[field] !== "object" || obj[field] === null) return obj;
  const unwrapped = Object.fromEntries(
    Object.entries(obj[field]).map(([k, v]) => [
      k,
      typeof v === "string" ? v.replace(/[\r\n]/g, "") : v,
    ]),
  );
  return { ...obj, [field]: unwrapped };
}

// Returns the schema errors of obj under its model class, as "path: message" strings.
export function schemaErrors(cls, obj) {
  try {
    new cls(unwrapBase64(obj)).validate();
    return [];
  } catch (e) {
    const errors = Array.isArray(e.errors) ? e.errors : null;
    if (errors === null) return [String(e.message ?? e)];
    return errors.map((err) => `${displayPath(err.instancePath)}: ${err.message}`);
  }
}

function displayPath(pointer) {
  if (!pointer) return "(object)";
  return pointer
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((acc, p) => (/^[0-9]+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

// Knows the declared fields of every requested kind; built once over all kinds in a run.
export class FieldChecker {
  // kinds: array of {apiVersion, kind} that loadModel resolved.
  constructor(kinds) {
    const unique = [...new Map(kinds.map((k) => [`${k.apiVersion}/${k.kind}`, k])).values()];
    this.aliases_ = new Map();
    const lines = unique.map((k, i) => {
      this.aliases_.set(`${k.apiVersion}/${k.kind}`, `K${i}`);
      return (
        `import type { I${k.kind} as T${i} } from "${modulePath(k.apiVersion, k.kind)}";\n` +
        `export type K${i} = T${i};\n`
      );
    });
    const root = path.join(TOOL_DIR, "__kinds__.ts");
    const options = {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.getSourceFile = (file, lang, ...rest) =>
      file === root
        ? ts.createSourceFile(file, lines.join(""), lang)
        : getSourceFile(file, lang, ...rest);
    host.fileExists = (file) => file === root || fileExists(file);
    const program = ts.createProgram([root], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    if (problems.length > 0) {
      throw new Error(`cannot load kubernetes-models type declarations: ${problems.join("; ")}`);
    }
    this.checker_ = program.getTypeChecker();
    this.types_ = new Map();
    for (const st of program.getSourceFile(root).statements) {
      if (ts.isTypeAliasDeclaration(st)) {
        this.types_.set(st.name.text, this.checker_.getTypeAtLocation(st.name));
      }
    }
  }

  // Returns "path: unknown field" strings for every key obj has that its kind does not declare.
  unknownFields(obj) {
    const alias = this.aliases_.get(`${obj.apiVersion}/${obj.kind}`);
    if (alias === undefined)
      throw new Error(`FieldChecker was not built for ${obj.apiVersion}/${obj.kind}`);
    const errors = [];
    this.walk(obj, this.types_.get(alias), "", errors);
    return errors;
  }

  walk(value, type, where, errors) {
    if (value === null || typeof value !== "object") return;
    const c = this.checker_;
    type = c.getNonNullableType(type);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    // Of a union (e.g. IntOrString) only object-like members can describe an object value.
    const members = (type.isUnion() ? type.types : [type]).filter(
      (t) => t.flags & ts.TypeFlags.Object,
    );
    if (Array.isArray(value)) {
      const arrayType = members.find((t) => c.isArrayType(t));
      if (arrayType === undefined) return; // a type error, which the schema check reports
      const element = c.getTypeArguments(arrayType)[0];
      value.forEach((v, i) => this.walk(v, element, `${where}[${i}]`, errors));
      return;
    }
    const objectTypes = members.filter((t) => !c.isArrayType(t));
    if (objectTypes.length === 0) return;
    const index = objectTypes
      .flatMap((t) => c.getIndexInfosOfType(t))
      .find((info) => info.keyType.flags & ts.TypeFlags.String);
    const declared = objectTypes.flatMap((t) => c.getPropertiesOfType(t));
    if (declared.length === 0 && index === undefined) return; // free-form object
    for (const [key, v] of Object.entries(value)) {
      const field = where ? `${where}.${key}` : key;
      const prop = declared.find((p) => p.name === key);
      if (prop !== undefined) {
        this.walk(v, c.getTypeOfSymbol(prop), field, errors);
      } else if (index !== undefined) {
        this.walk(v, index.type, field, errors);
      } else {
        errors.push(`${field}: unknown field "${key}"`);
      }
    }
  }
}
