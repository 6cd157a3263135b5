// Preloaded into the Portkey gateway (bench only). On Node 20, fetch() answers carry immutable headers and
// Portkey's streaming path appends to them (`TypeError: immutable`); re-wrapping each answer with a mutable
// copy of its headers lets it stream. Nothing else changes.
const fetchWithImmutableHeaders = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const response = await fetchWithImmutableHeaders(...args);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) });
};
