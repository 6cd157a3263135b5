export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __testDatabaseCleanup__?: () => Promise<void> }).__testDatabaseCleanup__?.();
}
