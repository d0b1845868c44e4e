import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/**
 * Browser security headers on every answer (hono's `secureHeaders`): the console may not be framed
 * by another site (clickjacking an operator into "Ativar" or "Apagar dados"), loads scripts, styles,
 * fonts and API calls only from its own origin, sends no Referer, and is never sniffed into another
 * content type. `https` (COOKIE_SECURE: the console is served over HTTPS) adds HSTS for this host
 * only — not its subdomains, which the agency may serve otherwise.
 */
export function securityHeaders({ https }: { https: boolean }): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      // The favicon is a data: SVG.
      imgSrc: ["'self'", "data:"],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    strictTransportSecurity: https ? "max-age=31536000" : false,
  });
  // Meta's webhook is no browser's business, and the hottest path: it goes without them.
  return (c, next) => (c.req.path.startsWith(WEBHOOK_PATH) ? next() : headers(c, next));
}

const WEBHOOK_PATH = "/api/webhooks/";
