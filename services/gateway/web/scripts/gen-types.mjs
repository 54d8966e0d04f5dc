// Generates TypeScript types for the proto3 JSON mapping from the repository's .proto files,
// with Debian's protoc and ts-proto (types only: no runtime codecs). Output: src/gen/ (not
// committed). The options make the types match what the gateway sends and accepts:
//   useOptionals=all     proto3 JSON omits default values, so every field may be absent;
//   forceLong=string     int64 travels as a decimal string;
//   stringEnums=true     enums travel as their names;
//   useDate=string       Timestamp travels as an RFC 3339 string;
//   snakeToCamel=keys     field names are lowerCamelCase (the JSON names);
//   enumsAsLiterals=true  enums are string-literal unions with a const object of names.
// google.protobuf.Duration travels as a string like "1.5s"; ts-proto has no option for it, so
// the generated Duration interface is replaced by a string alias afterwards.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, '..');
const protoRoot = resolve(web, '../../../protos');
const out = join(web, 'src/gen');
const plugin = join(web, 'node_modules/.bin/protoc-gen-ts_proto');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.proto') ? [p] : [];
  });
}

const protos = walk(join(protoRoot, 'shopcast')).map((p) => relative(protoRoot, p));
const includes = [protoRoot];
for (const candidate of ['/usr/include', '/usr/local/include']) {
  if (existsSync(join(candidate, 'google/protobuf/timestamp.proto'))) includes.push(candidate);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const opts = [
  'onlyTypes=true',
  'useOptionals=all',
  'forceLong=string',
  'stringEnums=true',
  'useDate=string',
  'snakeToCamel=keys',
  'enumsAsLiterals=true',
  'outputServices=false',
  'esModuleInterop=true',
  'unrecognizedEnum=false',
  'importSuffix=.js',
].join(',');
execFileSync(
  process.env.PROTOC || 'protoc',
  [
    `--plugin=protoc-gen-ts_proto=${plugin}`,
    `--ts_proto_out=${out}`,
    `--ts_proto_opt=${opts}`,
    ...includes.map((i) => `-I${i}`),
    ...protos,
  ],
  { stdio: 'inherit' },
);

// Drop the per-file package-name constants: they collide when every package's types are
// re-exported from one module (src/api/types.ts), and the app never uses them.
for (const file of walkTs(out)) {
  const text = readFileSync(file, 'utf8');
  const cleaned = text
    .replace(/^export const protobuf(Package|FileName) = .*\n/gm, '')
    // ts-proto unwraps google.protobuf.FieldMask to string[]; its JSON form is one string of
    // comma-separated lowerCamelCase paths ("title,price").
    .replace(/(updateMask\?:\s*\|?\s*)string\[\]/g, '$1string');
  if (cleaned !== text) writeFileSync(file, cleaned);
}

function walkTs(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walkTs(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const durationFile = join(out, 'google/protobuf/duration.ts');
if (existsSync(durationFile)) {
  writeFileSync(
    durationFile,
    '// Replaced by scripts/gen-types.mjs: the proto3 JSON form of a Duration is a string\n' +
      '// such as "1.5s" or "600s".\nexport type Duration = string;\n',
  );
}
console.log(`gen-types: ${protos.length} protos -> ${relative(web, out)}`);
