import { startProcess } from '/work/main/bench/processes';
import { post } from '/work/main/bench/load';
async function main() {
  const node = process.execPath;
  const stub = await startProcess({ name: 'stub', cores: '1', command: node, args: (p) => ['-r', '@swc-node/register', '/work/main/bench/stub-server.ts', String(p)], readyPath: '/v1/models' });
  const ours = await startProcess({ name: 'ours', cores: '0', command: node, args: () => ['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '-r', '@swc-node/register', '/work/main/src/main.ts'], env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/dbg', UPSTREAM_BASE_URL: `${stub.url}/v1`, LOG_LEVEL: 'warn', HOST: '127.0.0.1' }, readyPath: '/ready' });
  const t = { name: 'o', url: ours.url, path: '/v1/responses', headers: {}, body: () => ({}), isFirstText: () => false };
  const inflight: Promise<unknown>[] = [];
  for (let c = 0; c < 8; c++) inflight.push((async () => { for (let i = 0; i < 1500; i++) await post(t, { model: 'b', input: 'hello', store: true }); })());
  const start = Date.now(); await Promise.all(inflight); console.log('req/s', (12000 / ((Date.now() - start) / 1000)).toFixed(0), 'cpu us/req', (ours.cpuMicros() / 12000).toFixed(0));
  await ours.stop(); await stub.stop();
}
main();
