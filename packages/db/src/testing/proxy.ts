import net from "node:net";

import { connectionTarget } from "../client.ts";

/**
 * A TCP proxy in front of the test server, to play a database that goes away: `down()` cuts every
 * connection through it and refuses new ones as a restarting server does (FATAL 57P03 "the database
 * system is starting up" in answer to the startup message), `up()` lets connections through again.
 * `url` is the test database's URL with the proxy's address; `refused` counts the refusals.
 */
export type DbProxy = { url: string; refused: number; down: () => void; up: () => void; close: () => Promise<void> };

/** The ErrorResponse a PostgreSQL server still starting up answers a startup message with. */
const STARTING_UP = (() => {
  const fields = Buffer.from("SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0", "utf8");
  const head = Buffer.alloc(5);
  head.write("E", 0, "utf8");
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
})();

export async function startDbProxy(dbUrl: string): Promise<DbProxy> {
  const target = connectionTarget(dbUrl);
  const upstream = new URL(target.url);
  const sockets = new Set<net.Socket>();
  let isDown = false;
  const state: DbProxy = {
    url: "",
    refused: 0,
    down: () => {
      isDown = true;
      for (const s of sockets) {
        s.destroy();
      }
      sockets.clear();
    },
    up: () => {
      isDown = false;
    },
    close: () => {
      state.down();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = net.createServer((client) => {
    if (isDown) {
      client.on("error", () => undefined);
      client.once("data", () => {
        state.refused++;
        client.end(STARTING_UP);
      });
      return;
    }
    const toServer = target.path
      ? net.connect(target.path)
      : net.connect(Number(upstream.port || 5432), upstream.hostname);
    sockets.add(client).add(toServer);
    const drop = () => {
      client.destroy();
      toServer.destroy();
      sockets.delete(client);
      sockets.delete(toServer);
    };
    client.on("error", drop).on("close", drop);
    toServer.on("error", drop).on("close", drop);
    client.pipe(toServer).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(target.url);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  state.url = url.toString();
  return state;
}
