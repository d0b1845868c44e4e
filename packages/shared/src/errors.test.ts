import { describe, expect, it } from "vitest";

import { APP_ERROR_CODES, APP_ERROR_STATUS, AppError, isAppError } from "./errors.ts";

describe("AppError", () => {
  it("carries code, message, reason (with the English userMessage derived from it) and cause", () => {
    const cause = new Error("duplicate key value violates unique constraint");
    const error = new AppError("CONFLICT", {
      message: 'tenant "haven" already exists',
      reason: { code: "onboarding.slug_taken", slug: "haven" },
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("AppError");
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toBe('tenant "haven" already exists');
    expect(error.reason).toEqual({ code: "onboarding.slug_taken", slug: "haven" });
    expect(error.userMessage).toBe('tenant.slug: "haven" is already taken');
    expect(error.cause).toBe(cause);
    expect(error.httpStatus).toBe(409);
    expect(error.trpcCode).toBe("CONFLICT");
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: "CONFLICT",
      message: 'tenant "haven" already exists',
      userMessage: 'tenant.slug: "haven" is already taken',
      reason: { code: "onboarding.slug_taken", slug: "haven" },
    });
  });

  it("maps every code to a tRPC code and an HTTP status", () => {
    expect(Object.keys(APP_ERROR_STATUS).sort()).toEqual([...APP_ERROR_CODES].sort());
    expect(APP_ERROR_STATUS.NOT_FOUND).toEqual({ trpc: "NOT_FOUND", http: 404 });
    expect(APP_ERROR_STATUS.UNAUTHORIZED).toEqual({ trpc: "UNAUTHORIZED", http: 401 });
    expect(APP_ERROR_STATUS.FORBIDDEN).toEqual({ trpc: "FORBIDDEN", http: 403 });
    expect(APP_ERROR_STATUS.INVALID_INPUT).toEqual({ trpc: "BAD_REQUEST", http: 400 });
    expect(APP_ERROR_STATUS.RATE_LIMITED).toEqual({ trpc: "TOO_MANY_REQUESTS", http: 429 });
    expect(APP_ERROR_STATUS.INTERNAL).toEqual({ trpc: "INTERNAL_SERVER_ERROR", http: 500 });
  });

  it("is recognised by isAppError, also across module copies", () => {
    expect(isAppError(new AppError("NOT_FOUND", { message: "no such agent" }))).toBe(true);
    expect(isAppError(new Error("boom"))).toBe(false);
    expect(isAppError({ name: "AppError", code: "NOT_FOUND" })).toBe(false);
    const foreign = Object.assign(new Error("x"), { name: "AppError", code: "FORBIDDEN" });
    expect(isAppError(foreign)).toBe(true);
    const bogus = Object.assign(new Error("x"), { name: "AppError", code: "TEAPOT" });
    expect(isAppError(bogus)).toBe(false);
  });

  it("omits reason and userMessage when not given", () => {
    const error = new AppError("INVALID_STATE", { message: "version already active" });
    expect(error.reason).toBeUndefined();
    expect(error.userMessage).toBeUndefined();
    expect(error.cause).toBeUndefined();
    expect(error.toJSON()).toEqual({ code: "INVALID_STATE", message: "version already active" });
  });
});
