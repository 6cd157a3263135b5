/** The health probes and the metrics scrape: open to anyone (no key), and not logged request by request. */
export const PROBE_PATHS: readonly string[] = ['/health', '/ready', '/metrics'];
