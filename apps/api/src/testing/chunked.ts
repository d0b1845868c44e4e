/**
 * POSTs `parts` as a chunked JSON body (no Content-Length: the server learns its size only while
 * reading), the way a streaming client uploads.
 */
export function postChunked(url: string, parts: string[]): Promise<Response> {
  const queue = [...parts];
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = queue.shift();
        if (part === undefined) {
          controller.close();
        } else {
          controller.enqueue(new TextEncoder().encode(part));
        }
      },
    }),
    duplex: "half",
  } as RequestInit);
}
