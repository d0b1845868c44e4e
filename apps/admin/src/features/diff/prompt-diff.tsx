import { Fragment, useMemo, useState } from "react";

import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

export type DiffLine = { op: "add" | "del" | "same"; text: string };

/** A line with its numbers in the old (active) and new (draft) prompt. */
type NumberedLine = DiffLine & { oldNo: number | null; newNo: number | null };

/** Unchanged lines shown around each change; longer unchanged runs fold. */
const CONTEXT = 3;

function numberLines(lines: readonly DiffLine[]): NumberedLine[] {
  let oldNo = 0;
  let newNo = 0;
  return lines.map((line) => {
    if (line.op === "same") {
      oldNo += 1;
      newNo += 1;
      return { ...line, oldNo, newNo };
    }
    if (line.op === "del") {
      oldNo += 1;
      return { ...line, oldNo, newNo: null };
    }
    newNo += 1;
    return { ...line, oldNo: null, newNo };
  });
}

type Block<T> = { kind: "lines"; items: T[] } | { kind: "fold"; id: number; items: T[] };

/** Splits rows into visible runs and folds of unchanged rows far from any change. */
function fold<T>(rows: T[], isSame: (row: T) => boolean): Block<T>[] {
  const near = rows.map(() => false);
  rows.forEach((row, index) => {
    if (!isSame(row)) {
      for (let i = Math.max(0, index - CONTEXT); i <= Math.min(rows.length - 1, index + CONTEXT); i++) {
        near[i] = true;
      }
    }
  });
  const blocks: Block<T>[] = [];
  let foldId = 0;
  rows.forEach((row, index) => {
    const visible = near[index] === true;
    const last = blocks.at(-1);
    if (visible) {
      if (last?.kind === "lines") {
        last.items.push(row);
      } else {
        blocks.push({ kind: "lines", items: [row] });
      }
    } else if (last?.kind === "fold") {
      last.items.push(row);
    } else {
      blocks.push({ kind: "fold", id: foldId++, items: [row] });
    }
  });
  return blocks;
}

type SplitRow = { left: NumberedLine | null; right: NumberedLine | null };

/** Pairs each run of removed lines with the run of added lines that follows it. */
function toSplitRows(lines: NumberedLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    if (!line) {
      break;
    }
    if (line.op === "same") {
      rows.push({ left: line, right: line });
      index += 1;
      continue;
    }
    const removed: NumberedLine[] = [];
    const added: NumberedLine[] = [];
    for (let next = lines[index]; next?.op === "del"; next = lines[index]) {
      removed.push(next);
      index += 1;
    }
    for (let next = lines[index]; next?.op === "add"; next = lines[index]) {
      added.push(next);
      index += 1;
    }
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      rows.push({ left: removed[i] ?? null, right: added[i] ?? null });
    }
  }
  return rows;
}

const ROW_TONE = {
  add: "bg-emerald-50",
  del: "bg-rose-50",
  same: "",
} as const;

const TEXT_TONE = {
  add: "text-emerald-900",
  del: "text-rose-900",
  same: "text-slate-700",
} as const;

const SIGN = { add: "+", del: "−", same: " " } as const;

function LineNo({ n }: { n: number | null }) {
  return (
    <td className="w-10 border-r border-slate-100 px-2 text-right align-top text-slate-400 tabular-nums select-none">
      {n ?? ""}
    </td>
  );
}

function FoldRow({ count, colSpan, onExpand }: { count: number; colSpan: number; onExpand: () => void }) {
  const { t } = useI18n();
  return (
    <tr className="bg-slate-50">
      <td colSpan={colSpan} className="px-3 py-1 text-center">
        <button
          type="button"
          onClick={onExpand}
          className="rounded px-2 py-0.5 font-sans text-xs text-indigo-700 hover:bg-indigo-50 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
        >
          ⋯ {t.compile.unchanged(count)} · {t.compile.showUnchanged}
        </button>
      </td>
    </tr>
  );
}

export function PromptDiff({
  lines,
  mode,
  labels,
}: {
  lines: readonly DiffLine[];
  mode: "unified" | "split";
  /** The split view's column titles (default: the live version, the draft). */
  labels?: { before: string; after: string };
}) {
  const { t } = useI18n();
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const numbered = useMemo(() => numberLines(lines), [lines]);
  const expand = (id: number) => setExpanded((all) => new Set(all).add(id));

  if (!lines.some((line) => line.op !== "same")) {
    return <p className="px-5 py-6 text-sm text-slate-500">{t.compile.noPromptChange}</p>;
  }

  if (mode === "unified") {
    const blocks = fold(numbered, (line) => line.op === "same");
    return (
      <div className="overflow-x-auto">
        <table
          className="w-full border-collapse font-mono text-xs leading-5"
          data-testid="prompt-diff-unified"
        >
          <tbody>
            {blocks.map((block, blockIndex) =>
              block.kind === "fold" && !expanded.has(block.id) ? (
                <FoldRow
                  key={`f${block.id}`}
                  count={block.items.length}
                  colSpan={4}
                  onExpand={() => expand(block.id)}
                />
              ) : (
                <Fragment key={`b${blockIndex}`}>
                  {block.items.map((line, i) => (
                    <tr key={i} className={ROW_TONE[line.op]} data-op={line.op}>
                      <LineNo n={line.oldNo} />
                      <LineNo n={line.newNo} />
                      <td className={cn("w-5 text-center align-top select-none", TEXT_TONE[line.op])}>
                        {SIGN[line.op]}
                      </td>
                      <td className={cn("pr-4 break-words whitespace-pre-wrap", TEXT_TONE[line.op])}>
                        {line.text || " "}
                      </td>
                    </tr>
                  ))}
                </Fragment>
              ),
            )}
          </tbody>
        </table>
      </div>
    );
  }

  const rows = toSplitRows(numbered);
  const blocks = fold(rows, (row) => row.left?.op === "same");
  const cell = (line: NumberedLine | null, side: "left" | "right") => {
    const no = side === "left" ? (line?.oldNo ?? null) : (line?.newNo ?? null);
    const op = line?.op ?? "same";
    return (
      <>
        <LineNo n={line ? no : null} />
        <td
          className={cn(
            "w-1/2 px-2 align-top break-words whitespace-pre-wrap",
            line ? [ROW_TONE[op], TEXT_TONE[op]] : "bg-slate-50",
            side === "left" && "border-r border-slate-200",
          )}
          data-op={line ? op : undefined}
        >
          {line ? line.text || " " : ""}
        </td>
      </>
    );
  };
  return (
    <div className="overflow-x-auto">
      <table
        className="w-full table-fixed border-collapse font-mono text-xs leading-5"
        data-testid="prompt-diff-split"
      >
        <colgroup>
          <col className="w-10" />
          <col />
          <col className="w-10" />
          <col />
        </colgroup>
        <thead>
          <tr className="border-b border-slate-200 bg-slate-50 font-sans text-xs text-slate-500">
            <th colSpan={2} className="px-3 py-1.5 text-left font-medium">
              {labels?.before ?? t.compile.before}
            </th>
            <th colSpan={2} className="px-3 py-1.5 text-left font-medium">
              {labels?.after ?? t.compile.after}
            </th>
          </tr>
        </thead>
        <tbody>
          {blocks.map((block, blockIndex) =>
            block.kind === "fold" && !expanded.has(block.id) ? (
              <FoldRow
                key={`f${block.id}`}
                count={block.items.length}
                colSpan={4}
                onExpand={() => expand(block.id)}
              />
            ) : (
              <Fragment key={`b${blockIndex}`}>
                {block.items.map((row, i) => (
                  <tr key={i}>
                    {cell(row.left, "left")}
                    {cell(row.right, "right")}
                  </tr>
                ))}
              </Fragment>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}
