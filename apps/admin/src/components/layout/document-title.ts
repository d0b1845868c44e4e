/**
 * The browser tab's title: the non-empty `parts`, then the product's name, joined by " · " — led by
 * "(N) " when `waiting` customers wait for a human. The product's name is said once, even when no
 * part names the page (a tenant's own page: "(1) Haven Clínica · LX Agent Factory").
 */
export function documentTitle(
  parts: readonly (string | null | undefined)[],
  appName: string,
  waiting = 0,
): string {
  const title = [...parts, appName].filter((part): part is string => Boolean(part)).join(" · ");
  return waiting > 0 ? `(${waiting}) ${title}` : title;
}
