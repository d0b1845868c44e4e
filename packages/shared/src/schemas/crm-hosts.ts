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
export type CrmTokenBackend = "pipedrive" | "rdstation";

/** Each backend's API hosts, as a pattern and as said in an error. */
export const CRM_API_HOSTS: Record<CrmTokenBackend, { pattern: RegExp; label: string }> = {
  pipedrive: {
    pattern: /^(?:api|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.pipedrive\.com$/,
    label: "Pipedrive's API (api.pipedrive.com or <company>.pipedrive.com)",
  },
  rdstation: { pattern: /^(?:crm\.rdstation\.com|api\.rd\.services)$/, label: "RD Station's API (crm.rdstation.com or api.rd.services)" },
};

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

/** The spec error for a `baseUrl` no CRM token may go to, or null when it may (or the worker decides). */
export function crmBaseUrlIssue(backend: CrmTokenBackend, url: string): string | null {
  if (isCrmApiUrl(backend, url) || isAddressOrLocalhostUrl(url)) {
    return null;
  }
  return `must be an https URL of ${CRM_API_HOSTS[backend].label}: the CRM token is sent there`;
}
