import { describe, expect, test } from "vitest";

import { connectionTarget } from "./client.ts";

describe("connectionTarget", () => {
  test("a TCP URL is passed through untouched", () => {
    const url = "postgres://lx:s3cret@db.internal:6432/lx?sslmode=require";
    expect(connectionTarget(url)).toEqual({ url });
  });

  test("libpq's ?host=/dir names the Unix socket (default and explicit port), and leaves the rest", () => {
    expect(connectionTarget("postgres://postgres@localhost/app?host=/var/run/postgresql")).toEqual({
      url: "postgres://postgres@localhost/app",
      path: "/var/run/postgresql/.s.PGSQL.5432",
    });
    expect(connectionTarget("postgresql://u:p@localhost:5433/app?host=/tmp/&application_name=x")).toEqual({
      url: "postgresql://u:p@localhost:5433/app?application_name=x",
      path: "/tmp/.s.PGSQL.5433",
    });
  });

  test("a host parameter that is not a directory stays a server setting (postgres.js behaviour)", () => {
    const url = "postgres://u@localhost/app?host=db";
    expect(connectionTarget(url)).toEqual({ url });
  });
});
