import { normalizeText } from "../compiler/normalize-text.ts";
import {
  MENU_BUTTON_TITLE_MAX as BUTTON_TITLE_MAX,
  MENU_MAX_BUTTONS as MAX_BUTTONS,
  MENU_ROW_TITLE_MAX as ROW_TITLE_MAX,
} from "../schemas/apply-file.ts";

/** Multi-agent routing by an initial menu ("1 Vendas / 2 Suporte"). Pure helpers. */
export type MenuOption = { title: string; agent: string };

/** What the customer sees and taps: the option's number, then its title ("1 Vendas"). */
function optionLabel(index: number, title: string): string {
  return `${index + 1} ${title}`;
}

/** Never cut silently mid-word into something else: a title too long (saved before the limit) ends in "…". */
function fit(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

/**
 * WhatsApp's interactive body for the menu: reply buttons for up to 3 options (titles ≤ 20 chars),
 * a list past that (rows ≤ 24 chars, at most 10) — or when a title would not fit a button (a menu
 * saved before the schema refused it: menuTitleMax), so that it is shown whole. The number stays
 * in front: a tapped "1 Vendas" comes back as that text, and the number is what tells "Vendas" from
 * "Vendas online" (matchMenuChoice). Option ids carry the agent slug.
 */
export function buildMenuPayload(prompt: string, options: readonly MenuOption[], buttonLabel = "Opções"): Record<string, unknown> {
  const labels = options.map((o, i) => optionLabel(i, o.title));
  if (options.length <= MAX_BUTTONS && labels.every((l) => l.length <= BUTTON_TITLE_MAX)) {
    return {
      type: "interactive",
      interactive: {
        type: "button",
        body: { text: prompt.slice(0, 1024) },
        action: {
          buttons: options.map((o, i) => ({ type: "reply", reply: { id: `agent:${o.agent}`, title: labels[i] } })),
        },
      },
    };
  }
  return {
    type: "interactive",
    interactive: {
      type: "list",
      body: { text: prompt.slice(0, 4096) },
      action: {
        button: buttonLabel.slice(0, 20),
        sections: [
          { title: "Menu", rows: options.slice(0, 10).map((o, i) => ({ id: `agent:${o.agent}`, title: fit(labels[i] ?? "", ROW_TITLE_MAX) })) },
        ],
      },
    },
  };
}

/** The menu as plain text (inbox, model context, and a fallback that works everywhere). */
export function menuText(prompt: string, options: readonly MenuOption[]): string {
  return `${prompt}\n${options.map((o, i) => optionLabel(i, o.title)).join("\n")}`;
}

/**
 * Which option a customer's answer picks: a tapped button/row ("1 Vendas"), a typed number ("2",
 * "opção 2"), or the option's name, case- and accent-insensitively. Null when it is not clear.
 */
export function matchMenuChoice(answer: string, options: readonly MenuOption[]): number | null {
  const text = normalizeText(answer).replace(/[^\p{L}\p{N}\s]/gu, " ").replace(/\s+/g, " ").trim();
  if (!text) {
    return null;
  }
  const numbers = text.match(/\d+/g) ?? [];
  if (numbers.length === 1) {
    const n = Number(numbers[0]);
    if (n >= 1 && n <= options.length) {
      return n - 1;
    }
  }
  const words = new Set(text.split(" "));
  const hits = options
    .map((o, i) => ({ i, title: normalizeText(o.title) }))
    .filter(({ title }) => text === title || title.split(" ").every((w) => words.has(w)));
  return hits.length === 1 ? (hits[0]?.i ?? null) : null;
}
