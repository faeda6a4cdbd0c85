/** Tariff file -> YAML text, scalar lists on one line (schedule matrices stay readable). Pure. */
import { Document, isScalar, visit } from 'yaml';
import type { TariffFile } from './tariff-schema.js';

export function toTariffYaml(tariff: TariffFile, headerLines: string[] = []): string {
  const doc = new Document(tariff);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every(isScalar)) node.flow = true;
    },
  });
  const header = ['yaml-language-server: $schema=./tariff.schema.json', ...headerLines].map((l) => `# ${l}\n`).join('');
  return header + doc.toString({ lineWidth: 0 });
}
