import type { TTestCaseBody } from "@lx/shared/schemas";

/**
 * What the tests page may be opened with (router state): a case to start from, drafted elsewhere —
 * the inbox's "make a test case" from a real conversation, which it names (`sourceConversationId`):
 * the saved case remembers it, so that customer's erasure deletes the case.
 */
export type TestsPageState = { draftCase?: TTestCaseBody; sourceConversationId?: string };
