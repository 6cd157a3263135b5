/**
 * Preloaded into a server under profile (`node -r bench/call-counts.cjs`): counts its Postgres queries (each one a
 * round trip: node-postgres sends one at a time per connection) and its JSON.parse / JSON.stringify calls. On
 * SIGUSR2 it appends the counts since the last SIGUSR2 to CALL_COUNTS_FILE, as a JSON line, and starts again.
 */
const { appendFileSync } = require('node:fs');

const counts = { queries: 0, queryKinds: {}, parses: 0, parsedBytes: 0, stringifies: 0, stringifiedBytes: 0 };

const pg = require('pg');
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(config, ...rest) {
  counts.queries += 1;
  const text = typeof config === 'string' ? config : (config && config.text) || '';
  const kind = text.trim().split(/\s+/).slice(0, 3).join(' ').slice(0, 40);
  counts.queryKinds[kind] = (counts.queryKinds[kind] || 0) + 1;
  return query.call(this, config, ...rest);
};

const parse = JSON.parse;
JSON.parse = function countedParse(text, reviver) {
  counts.parses += 1;
  counts.parsedBytes += typeof text === 'string' ? text.length : 0;
  return parse(text, reviver);
};
const stringify = JSON.stringify;
JSON.stringify = function countedStringify(value, replacer, space) {
  const text = stringify(value, replacer, space);
  counts.stringifies += 1;
  counts.stringifiedBytes += typeof text === 'string' ? text.length : 0;
  return text;
};

process.on('SIGUSR2', () => {
  appendFileSync(process.env.CALL_COUNTS_FILE, `${stringify(counts)}\n`);
  counts.queries = counts.parses = counts.parsedBytes = counts.stringifies = counts.stringifiedBytes = 0;
  counts.queryKinds = {};
});
