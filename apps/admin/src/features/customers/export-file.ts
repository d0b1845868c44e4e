/** The customer export (`customers.export`) as a file the operator hands to the customer. */

/** What names the file: the export's customer identifiers and the first conversation's id. */
type ExportHead = {
  exportedAt: string;
  customer: { identifiers: readonly string[] };
  conversations: readonly { id: string }[];
};

/** yyyy-mm-dd of an instant, in the browser's time zone (the operator's day). */
function localDay(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * `dados-cliente-<last 4 digits of the number, else the conversation id's prefix>-<yyyy-mm-dd>.json`:
 * enough to tell two exports apart, not the whole number in a file name.
 */
export function exportFileName(data: ExportHead): string {
  const number = data.customer.identifiers.find((id) => /^\d{4,}$/.test(id));
  const who = number ? number.slice(-4) : (data.conversations[0]?.id.slice(0, 8) ?? "cliente");
  return `dados-cliente-${who}-${localDay(data.exportedAt)}.json`;
}

/** Saves `value` as a pretty-printed JSON file through a Blob and an object URL. */
export function downloadJson(value: unknown, fileName: string): void {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file by the time the click is handled; free the blob a little later.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
