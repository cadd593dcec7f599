// Validate an AsyncAPI document with the official parser: the spec's JSON Schema, every $ref resolved, and the
// parser's own rules. Exits 1 on any error-level diagnostic; warnings are printed, they do not fail.
import { resolve } from 'node:path';
import { DiagnosticSeverity, Parser, fromFile } from '@asyncapi/parser';

const file = resolve(process.argv[2] ?? '../../docs/asyncapi.yaml');
const { document, diagnostics } = await fromFile(new Parser(), file).parse();
const severity = Object.fromEntries(Object.entries(DiagnosticSeverity).map(([name, level]) => [level, name]));
for (const d of diagnostics) {
  console.log(`${severity[d.severity].toLowerCase()}: ${d.code}: ${d.message} (at ${d.path.join('/') || '/'})`);
}
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).length;
if (errors || !document) {
  console.error(`asyncapi-validate: ${file} is not valid AsyncAPI (${errors} errors)`);
  process.exit(1);
}
const channels = document.channels().length;
const operations = document.operations().length;
console.log(`asyncapi-validate: ${file} is valid AsyncAPI ${document.version()}: ${channels} channels, ${operations} operations`);
