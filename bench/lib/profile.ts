/**
 * `pnpm bench --profile`: the API and worker processes run with `node --cpu-prof`; each profile
 * written at exit is summarised by self time per package (node_modules/<name>, our packages/apps,
 * node: internals) and per function. Profiling slows the processes down: use it to see where CPU
 * goes, not for the figures.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

type CpuProfile = {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
};

export type ProfileSummary = {
  file: string;
  totalMs: number;
  packages: { name: string; ms: number }[];
  functions: { name: string; ms: number }[];
};

function packageOf(url: string): string {
  if (url === "") {
    return "native";
  }
  if (url.startsWith("node:")) {
    return `node:${url.slice(5).split("/")[0] ?? ""}`;
  }
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pnpm?.[1]) {
    return pnpm[1];
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) {
    return nm[1];
  }
  const ours = /\/(apps|packages)\/([^/]+)\//.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url.slice(-60);
}

export function summarizeProfile(file: string): ProfileSummary {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  // Native frames (no URL: socket and file writes, JSON, crypto…) are charged to the nearest
  // JavaScript caller outside node: internals, so "writeBuffer ← pino" and "writeBuffer ← postgres" differ.
  const callerOf = (id: number): string => {
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)?.callFrame.url ?? "";
      if (url !== "" && !url.startsWith("node:")) {
        return packageOf(url);
      }
    }
    return "?";
  };
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) {
      continue;
    }
    const fn = n.callFrame.functionName || "(anonymous)";
    if (fn === "(idle)" || fn === "(program)") {
      continue;
    }
    total += us;
    const native = n.callFrame.url === "" || n.callFrame.url.startsWith("node:");
    const pkg =
      fn === "(garbage collector)"
        ? "(garbage collector)"
        : native
          ? `${packageOf(n.callFrame.url)} ← ${callerOf(id)}`
          : packageOf(n.callFrame.url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const key = `${fn} (${pkg}${n.callFrame.url && !native ? `:${n.callFrame.lineNumber + 1}` : ""})`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => ({ name, ms: us / 1000 }));
  return {
    file: path.basename(file),
    totalMs: total / 1000,
    packages: top(packages, 12),
    functions: top(functions, 15),
  };
}

/** Per process directory under `dir`, the summary of its busiest thread's profile (the main thread). */
export function summarizeProfiles(dir: string): { label: string; summary: ProfileSummary }[] {
  let procs: string[] = [];
  try {
    procs = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { label: string; summary: ProfileSummary }[] = [];
  for (const name of procs.sort()) {
    const files = readdirSync(path.join(dir, name)).filter((f) => f.endsWith(".cpuprofile"));
    const summaries = files.map((f) => summarizeProfile(path.join(dir, name, f)));
    const main = summaries.sort((a, b) => b.totalMs - a.totalMs)[0];
    if (main) {
      out.push({ label: name, summary: main });
    }
  }
  return out;
}

export function renderProfiles(all: { label: string; summary: ProfileSummary }[]): string {
  const out: string[] = [];
  for (const { label, summary } of all) {
    out.push(
      "",
      `CPU profile of ${label} (${summary.file}): ${summary.totalMs.toFixed(0)} ms of samples outside idle`,
    );
    out.push("  by package (self time):");
    for (const x of summary.packages) {
      out.push(`    ${((x.ms / summary.totalMs) * 100).toFixed(1).padStart(5)} %  ${x.name}`);
    }
    out.push("  top functions (self time):");
    for (const x of summary.functions) {
      out.push(`    ${((x.ms / summary.totalMs) * 100).toFixed(1).padStart(5)} %  ${x.name}`);
    }
  }
  return out.join("\n");
}
