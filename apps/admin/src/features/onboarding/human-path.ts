/**
 * An apply-file path as the wizard's screens name it: `agents.0.spec.agent.name` → "Agente 1 › Nome",
 * `agents.0.spec.goals.0` → "Agente 1 › Objetivo 1", `templates.1.body` → "Template 2 › Texto
 * aprovado". Lists count from 1, as the screens do; a segment with no label is shown as it is.
 */
import type { Messages } from "../../lib/i18n/messages.ts";

type Labels = Record<string, string | undefined>;

export function humanPath(path: string, t: Messages): string {
  const w = t.wizard;
  const f = t.spec.fields;
  const segments = path === "" ? [] : path.split(".");
  const out: string[] = [];
  const index = (i: number) => Number(segments[i]) + 1;
  const isIndex = (i: number) => /^\d+$/.test(segments[i] ?? "");
  const specLeaf: Labels = { ...(f as unknown as Labels), message: f.handoffMessage, name: f.name };
  const specSection: Labels = t.spec.sections as Labels;
  let i = 0;
  const root = segments[0];
  if (root === "tenant") {
    out.push(w.steps.tenant ?? root);
    const leaf = segments[1];
    if (leaf) {
      out.push(leaf === "name" ? w.pathLabels.name : leaf === "slug" ? w.pathLabels.slug : leaf);
    }
    return out.join(" › ");
  }
  if (root === "templates" && isIndex(1)) {
    out.push(w.template(index(1)));
    const leaf = segments[2];
    const labels: Labels = {
      name: w.templateName,
      language: w.templateLanguage,
      category: w.templateCategory,
      purpose: w.templatePurpose,
      body: w.templateBody,
    };
    if (leaf) {
      out.push(labels[leaf] ?? leaf);
    }
    return out.join(" › ");
  }
  if (root === "numbers" && isIndex(1)) {
    out.push(w.number(index(1)));
    const leaf = segments[2];
    const labels: Labels = {
      phoneNumberId: w.phoneNumberId,
      displayPhoneNumber: w.displayPhoneNumber,
      accessToken: w.accessToken,
      kind: w.kind,
      agent: w.numberAgent,
    };
    if (leaf) {
      out.push(labels[leaf] ?? leaf);
    }
    return out.join(" › ");
  }
  if (root === "routing") {
    out.push(w.steps.routing ?? root);
    if (segments[1] === "options" && isIndex(2)) {
      out.push(w.pathLabels.option(index(2)));
      const leaf = segments[3];
      if (leaf) {
        out.push(leaf === "title" ? w.pathLabels.title : leaf === "agent" ? w.pathLabels.agent : leaf);
      }
    } else if (segments[1]) {
      out.push(segments[1] === "prompt" ? w.pathLabels.prompt : segments[1]);
    }
    return out.join(" › ");
  }
  if (root === "agents" && isIndex(1)) {
    out.push(w.agentTitle(index(1)));
    i = 2;
    if (segments[i] === "slug") {
      out.push(w.pathLabels.slug);
      return out.join(" › ");
    }
    if (segments[i] === "spec") {
      i += 1;
    }
    // The identity fields are the agent's own ("Agente 1 › Nome"), not a section of it.
    if (segments[i] === "agent") {
      i += 1;
    }
    const section = segments[i];
    if (section === "business" && segments[i + 1] === "name") {
      out.push(f.businessName);
      i += 2;
    } else if (section === "goals" && isIndex(i + 1)) {
      out.push(f.goal(index(i + 1)));
      i += 2;
    } else if (section === "services" && isIndex(i + 1)) {
      out.push(f.service(index(i + 1)));
      i += 2;
    } else if (section === "faq" && isIndex(i + 1)) {
      out.push(f.faqEntry(index(i + 1)));
      i += 2;
    } else if (section === "knowledge" && isIndex(i + 1)) {
      out.push(w.steps.knowledge ?? section, w.pathLabels.document(index(i + 1)));
      i += 2;
    } else if (section === "templates") {
      out.push(w.steps.templates ?? section);
      const purpose = segments[i + 1];
      if (purpose) {
        out.push(purpose === "reengagement" ? w.reengagementOf : purpose === "reminder" ? w.reminderOf : purpose);
      }
      return out.join(" › ");
    } else if (section !== undefined && specSection[section] !== undefined) {
      out.push(specSection[section] ?? section);
      i += 1;
    }
  } else {
    i = 0;
  }
  for (; i < segments.length; i += 1) {
    const segment = segments[i] ?? "";
    if (/^\d+$/.test(segment)) {
      out.push(`#${Number(segment) + 1}`);
    } else if (segment === "content") {
      out.push(w.pathLabels.content);
    } else if (segment === "title") {
      out.push(w.pathLabels.title);
    } else {
      const label = specLeaf[segment];
      out.push(typeof label === "string" ? label : segment);
    }
  }
  return out.join(" › ");
}
