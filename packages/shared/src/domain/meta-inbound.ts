import type { TMetaInboundMessage } from "../schemas/meta-webhook.ts";

export type DescribedInbound = {
  type: string;
  /** Plain text for the model's context and the inbox. */
  body: string;
  /** The business message this one replies to, if any. */
  contextId: string | null;
  /** Whether the bot should answer it (reactions and their removals are not questions; system notices neither). */
  answerable: boolean;
  /**
   * Whether it is the customer's own message, which opens (resets) the 24-hour customer service
   * window. Meta's `system` messages (the customer changed number) are notices Meta writes, not the
   * customer's: they never open it — being wrong there is a free-form send Meta refuses, or worse.
   */
  opensWindow: boolean;
  /** A `system` message: what Meta announced (`user_changed_number`: the customer's new wa_id). */
  system: { type: string; newWaId: string | null } | null;
};

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Renders any inbound Meta message type as text; unknown types degrade to a marker, never an error.
 *
 * What is answered: everything the customer sent, `unsupported` (a poll, an edit… the customer wrote
 * something we cannot render) and types we do not know yet (`order`, `request_welcome`, whatever Meta
 * adds: they come from the customer, and silence to a customer is worse than a reply the window may
 * turn into a template) — except reactions (not questions) and `system` messages (Meta's notices:
 * stored and audited, never answered, and they do not open the window).
 */
export function describeInbound(m: TMetaInboundMessage): DescribedInbound {
  const r = m as Record<string, unknown>;
  const contextId = m.context?.id ?? null;
  const base = { type: m.type, contextId, answerable: true, opensWindow: true, system: null };
  switch (m.type) {
    case "text":
      return { ...base, body: str(obj(r.text).body) };
    case "interactive": {
      const i = obj(r.interactive);
      const reply = obj(i.button_reply ?? i.list_reply ?? i.nfm_reply);
      const desc = str(reply.description);
      return { ...base, body: [str(reply.title) || str(reply.body), desc].filter(Boolean).join(" — ") };
    }
    case "button":
      return { ...base, body: str(obj(r.button).text) || str(obj(r.button).payload) };
    case "image":
    case "video":
    case "sticker":
    case "document": {
      const media = obj(r[m.type]);
      const label = str(media.caption) || str(media.filename);
      return { ...base, body: `[${m.type}]${label ? ` ${label}` : ""}` };
    }
    case "audio":
      return { ...base, body: obj(r.audio).voice === true ? "[voice message]" : "[audio]" };
    case "location": {
      const l = obj(r.location);
      const place = [str(l.name), str(l.address)].filter(Boolean).join(", ");
      return { ...base, body: `[location] ${place ? `${place} ` : ""}(${String(l.latitude)}, ${String(l.longitude)})` };
    }
    case "contacts": {
      const names = (Array.isArray(r.contacts) ? r.contacts : []).map((c) => str(obj(obj(c).name).formatted_name));
      return { ...base, body: `[contacts] ${names.filter(Boolean).join(", ")}`.trim() };
    }
    case "reaction": {
      const emoji = str(obj(r.reaction).emoji);
      return { ...base, body: emoji ? `[reaction] ${emoji}` : "[reaction removed]", answerable: false };
    }
    case "system": {
      // { body: "NAME changed from 1555… to 1555…", new_wa_id (wa_id in older versions), type: "user_changed_number" }
      const sys = obj(r.system);
      const type = str(sys.type) || "unknown";
      const text = str(sys.body);
      return {
        ...base,
        body: `[system: ${type}]${text ? ` ${text}` : ""}`,
        answerable: false,
        opensWindow: false,
        system: { type, newWaId: str(sys.new_wa_id) || str(sys.wa_id) || null },
      };
    }
    case "unsupported":
      return { ...base, body: `[unsupported: ${str(obj(r.unsupported).type) || "unknown"}]` };
    default:
      return { ...base, body: `[${m.type}]` };
  }
}
