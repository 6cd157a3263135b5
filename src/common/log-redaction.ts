/** Query parameters that clients use for keys (`?api_key=`, `?key=` as Azure and Google clients do). */
const SECRET_QUERY_PARAMETERS = /([?&](?:api[_-]?key|key|access[_-]?token|token|secret|password)=)[^&#]*/gi;

/** A request URL as it may be logged: the values of credential-like query parameters replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMETERS, '$1[Redacted]');
}

/**
 * An error as one log line: its name, message and stack, and none of its other properties (a TypeORM
 * QueryFailedError carries the statement's parameters, which are a client's data).
 */
export function errorForLog(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
