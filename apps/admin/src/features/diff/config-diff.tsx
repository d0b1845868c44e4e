import { Badge, type BadgeTone } from "../../components/ui/badge.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";

export type ConfigChange = {
  path: string;
  before?: unknown;
  after?: unknown;
  kind: "added" | "removed" | "changed";
};

const KIND_TONES: Record<ConfigChange["kind"], BadgeTone> = {
  added: "green",
  removed: "red",
  changed: "amber",
};

function JsonValue({ value }: { value: unknown }) {
  if (value === undefined) {
    return <span className="text-slate-400">—</span>;
  }
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value, null, 2);
  return (
    <pre className="max-h-40 max-w-md overflow-auto font-mono text-xs break-words whitespace-pre-wrap text-slate-700">
      {text}
    </pre>
  );
}

/** The structured config diff (model, tools, policies, templates…) between the active bundle and the draft's. */
export function ConfigDiff({
  changes,
  labels,
}: {
  changes: readonly ConfigChange[];
  /** The before/after column titles (default: the live version, the draft). */
  labels?: { before: string; after: string };
}) {
  const { t } = useI18n();
  if (changes.length === 0) {
    return <p className="px-5 py-6 text-sm text-slate-500">{t.compile.noConfigChange}</p>;
  }
  return (
    <Table data-testid="config-diff">
      <THead>
        <tr>
          <Th>{t.compile.path}</Th>
          <Th>{t.compile.change}</Th>
          <Th>{labels?.before ?? t.compile.before}</Th>
          <Th>{labels?.after ?? t.compile.after}</Th>
        </tr>
      </THead>
      <TBody>
        {changes.map((change) => (
          <Tr key={change.path} className="align-top">
            <Td className="align-top font-mono text-xs text-slate-900">{change.path}</Td>
            <Td className="align-top">
              <Badge tone={KIND_TONES[change.kind]}>{t.compile.kind[change.kind] ?? change.kind}</Badge>
            </Td>
            <Td className="align-top">
              <JsonValue value={change.before} />
            </Td>
            <Td className="align-top">
              <JsonValue value={change.after} />
            </Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}
