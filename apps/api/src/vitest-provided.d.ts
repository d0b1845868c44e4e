// What packages/db/src/testing/global-setup.ts provides to integration tests (`inject(...)`). The
// augmentation lives next to that global setup, which this project does not compile; repeated here
// so fixture.ts and our tests type-check. Identical declarations merge.
declare module "vitest" {
  export interface ProvidedContext {
    lxDbBaseUrl: string;
    lxDbTemplate: string;
  }
}
export {};
