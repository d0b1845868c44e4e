/**
 * Where a tenant's CRM token may be sent. The CRM plugin's Pipedrive and RD Station adapters put the
 * tenant's API token in the URL of `baseUrl` (AGENT_SPEC `plugins.crm`), and whoever edits a spec
 * chooses `baseUrl`: without this rule, an operator could point it at a host of theirs and read the
 * client's token. So the token goes only over https, on the default port, to the CRM's own API hosts:
 *
 * - Pipedrive: `api.pipedrive.com` and a company's `<company>.pipedrive.com`
 *   (developers.pipedrive.com: `https://api.pipedrive.com/v1/…`, `https://<company>.pipedrive.com/api/v1/…`);
 * - RD Station CRM: `crm.rdstation.com` (API v1, the `token` this adapter sends) and `api.rd.services`
 *   (RD Station's API v2 host).
 *
 * The worker adds the destinations its `LX_EGRESS_ALLOW` lists (a local CRM proxy, the test suites'
 * fake CRMs); the spec's schema cannot know them, so it lets an address or `localhost` through and the
 * worker decides (apps/worker services/crm-tools.ts). Pure and browser-safe (the console checks specs with it).
 */
import type { IssueParams } from "./issues.ts";

export type CrmTokenBackend = "pipedrive" | "rdstation";

/**
 * Each backend's API hosts: as a pattern, by name (`<company>` stands for any company's subdomain),
 * and as said in an English error (`label`).
 */
export const CRM_API_HOSTS: Record<CrmTokenBackend, { pattern: RegExp; crm: string; hosts: readonly string[]; label: string }> = {
  pipedrive: crmHosts("Pipedrive", ["api.pipedrive.com", "<company>.pipedrive.com"], /^(?:api|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.pipedrive\.com$/),
  rdstation: crmHosts("RD Station", ["crm.rdstation.com", "api.rd.services"], /^(?:crm\.rdstation\.com|api\.rd\.services)$/),
};

function crmHosts(crm: string, hosts: readonly string[], pattern: RegExp) {
  return { pattern, crm, hosts, label: `${crm}'s API (${hosts.join(" or ")})` };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Whether `url` is https, on the default port, without credentials, on one of `backend`'s own API hosts. */
export function isCrmApiUrl(backend: CrmTokenBackend, url: string): boolean {
  const u = parse(url);
  if (u?.protocol !== "https:" || u.port !== "" || u.username !== "" || u.password !== "") {
    return false;
  }
  return CRM_API_HOSTS[backend].pattern.test(u.hostname.toLowerCase());
}

/** Whether `url`'s host is an IP address or `localhost`: for the worker's LX_EGRESS_ALLOW to decide. */
export function isAddressOrLocalhostUrl(url: string): boolean {
  const u = parse(url);
  if (!u) {
    return false;
  }
  const host = u.hostname.toLowerCase();
  // The URL parser writes IPv6 in brackets and IPv4 in dotted decimal, whatever was typed.
  return host === "localhost" || host.startsWith("[") || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * The spec error for a `baseUrl` no CRM token may go to, or null when it may (or the worker decides):
 * its English message (the API's, `lx`'s) and its `params` (a zod custom issue's, kept in `FieldError`)
 * for a client to word it in its own language.
 */
export function crmBaseUrlIssue(
  backend: CrmTokenBackend,
  url: string,
): { message: string; params: Extract<IssueParams, { issue: "crm.base_url_host" }> } | null {
  if (isCrmApiUrl(backend, url) || isAddressOrLocalhostUrl(url)) {
    return null;
  }
  return {
    message: `must be an https URL of ${CRM_API_HOSTS[backend].label}: the CRM token is sent there`,
    params: { issue: "crm.base_url_host", backend },
  };
}
