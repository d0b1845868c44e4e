import type { TTestCaseBody } from "@lx/shared/schemas";

/**
 * What the tests page may be opened with (router state): a case to start from, drafted elsewhere —
 * the inbox's "make a test case" from a real conversation.
 */
export type TestsPageState = { draftCase?: TTestCaseBody };
